import { useQuery } from "@tanstack/react-query";
import { useApi } from "../api/context.js";
import { surveysQuery } from "../api/surveys-paths-queries.js";
import { QueryState } from "../components/QueryState.js";
import { DEFAULT_WINDOWS, WindowPicker, useConversionWindow, useWindowText } from "../components/WindowPicker.js";
import { useFilters } from "../filters/use-filters.js";
import { useI18n } from "../i18n/i18n.js";
import { SurveyQuestionPanel } from "../surveys/SurveyQuestionPanel.js";

/** What the survey said (per question, its answers) and what each answer's users did next (a lead, an order). */
export function SurveysPage() {
  const { t } = useI18n();
  const api = useApi();
  const { api: filters } = useFilters();
  const conversionWindow = useConversionWindow(DEFAULT_WINDOWS.surveys);
  const windowText = useWindowText();
  const query = useQuery(surveysQuery(api, filters, conversionWindow));
  return (
    <>
      <div className="section-head">
        <WindowPicker value={conversionWindow} />
      </div>
      <QueryState query={query} isEmpty={(data) => data.questions.length === 0}>
        {(data) => {
          // The answer's own window names the shares shown: while another window loads, the previous figures stay.
          const windowWords = windowText(data.windowSeconds);
          return (
            <>
              <p className="note">{t("surveys.definitions", { window: windowWords })}</p>
              {data.questions.map((question, index) => (
                <SurveyQuestionPanel key={question.question ?? "\u0000"} question={question} index={index} windowWords={windowWords} />
              ))}
            </>
          );
        }}
      </QueryState>
    </>
  );
}
