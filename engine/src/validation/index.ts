/** @module Prompt validation: every problem at once, as structured issues. */

export { stronglyConnected } from './strongly-connected';
export type { PlannedNode, ValidatedPrompt, ValidateOptions } from './validate-prompt';
export { validatePrompt } from './validate-prompt';
export type { Result, ValidationIssue, ValidationIssueType } from './validation-issue';
export { fail, ok, VALIDATION_ISSUE_TYPES } from './validation-issue';
