import { useQuery } from "@tanstack/react-query";
import { useApi } from "../api/context.js";
import { surveysQuery } from "../api/surveys-paths-queries.js";
import { QueryState } from "../components/QueryState.js";
import { useFilters } from "../filters/use-filters.js";
import { useI18n } from "../i18n/i18n.js";
import { SurveyQuestionPanel } from "../surveys/SurveyQuestionPanel.js";

/** What the survey said (per question, its answers) and what each answer's users did next (a lead, an order). */
export function SurveysPage() {
  const { t } = useI18n();
  const api = useApi();
  const { api: filters } = useFilters();
  const query = useQuery(surveysQuery(api, filters));
  return (
    <QueryState query={query} isEmpty={(data) => data.questions.length === 0}>
      {(data) => (
        <>
          <p className="note">{t("surveys.definitions")}</p>
          {data.questions.map((question, index) => (
            <SurveyQuestionPanel key={question.question ?? "\u0000"} question={question} index={index} />
          ))}
        </>
      )}
    </QueryState>
  );
}
