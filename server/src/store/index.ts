/** @module SQLite persistence of the queue and history. */
export type { HistoryPage, HistoryQuery, PromptStore } from './prompt-store';
export { openPromptStore } from './prompt-store';
export type {
  ExtraData,
  FinishedStatus,
  PromptError,
  PromptOutcome,
  PromptStatus,
  PromptSubmission,
  StoredPrompt,
  SummaryEvent,
} from './stored-prompt';
export { interruptedOutcome, PROMPT_STATUSES, zExtraData, zPromptOutcome } from './stored-prompt';
