/** @module Test-only: the shared fixture paths (see `engine/src/testing/fixtures.ts`). */
import { fixturePath } from '../../testing/fixtures';

export { fixturePath };
