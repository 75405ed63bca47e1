import type { SurveyQuestion } from "@chatfunnel/schemas";
import { ChartFigure, PALETTE } from "../components/ChartFigure.js";
import { useI18n } from "../i18n/i18n.js";

/** One question: its answers as bars (responses), and a table with users and what they did next within the conversion window (`windowWords`, "7 days"). */
export function SurveyQuestionPanel({ question, index, windowWords }: { question: SurveyQuestion; index: number; windowWords: string }) {
  const { t, format } = useI18n();
  const label = (text: string | null) => text ?? t("surveys.none");
  const headId = `survey-q-${index}`;
  return (
    <section className="panel" aria-labelledby={headId} data-testid="survey-question">
      <h2 id={headId} className="panel-title">
        {label(question.question)}
      </h2>
      <p className="note">{t("surveys.questionDetail", { responses: format.integer(question.responses), users: format.integer(question.users) })}</p>
      <ChartFigure
        title={t("surveys.chart", { question: label(question.question) })}
        kind="bar"
        data={question.answers.map((a) => ({ answer: label(a.answer), responses: a.responses }))}
        xKey="answer"
        xLabel={t("surveys.answer")}
        series={[{ key: "responses", label: t("surveys.responses"), color: PALETTE[0]! }]}
        format={format.integer}
      />
      <div className="table-wrap">
        <table className="data">
          <thead>
            <tr>
              <th scope="col">{t("surveys.answer")}</th>
              <th scope="col">{t("surveys.responses")}</th>
              <th scope="col">{t("surveys.users")}</th>
              <th scope="col">{t("surveys.leadShare", { window: windowWords })}</th>
              <th scope="col">{t("surveys.orderShare", { window: windowWords })}</th>
            </tr>
          </thead>
          <tbody>
            {question.answers.map((a) => (
              <tr key={a.answer ?? "\u0000"}>
                <th scope="row">{label(a.answer)}</th>
                <td data-col="responses">{format.integer(a.responses)}</td>
                <td data-col="users">{format.integer(a.users)}</td>
                <td data-col="leadShare">{format.percent(a.leadShare)}</td>
                <td data-col="orderShare">{format.percent(a.orderShare)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {question.otherResponses > 0 && <p className="note">{t("surveys.other", { responses: format.integer(question.otherResponses) })}</p>}
    </section>
  );
}
