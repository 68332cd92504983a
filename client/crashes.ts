// What happens when the server process dies: restart it, tell the user once, and give up (with
// an error the user can act on) when it keeps crashing, instead of restarting in a tight loop.

import {
  CloseAction,
  ErrorAction,
  type CloseHandlerResult,
  type ErrorHandler,
  type ErrorHandlerResult,
  type Message,
} from 'vscode-languageclient/node';
import type { Logger } from './logger';
import { t } from './l10n';

/** More crashes than this within the window stop the automatic restarts. */
const MAX_CRASHES = 4;
const CRASH_WINDOW_MS = 3 * 60 * 1000;

/** Write errors tolerated in a row before the connection is given up. */
const MAX_CONSECUTIVE_WRITE_ERRORS = 3;

export class CrashPolicy implements ErrorHandler {
  private crashTimes: number[] = [];
  private userWasTold = false;
  private gaveUp = false;

  constructor(
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** True once the policy refused to restart; the status item shows an error then. */
  get hasGivenUp(): boolean {
    return this.gaveUp;
  }

  error(
    error: Error,
    _message: Message | undefined,
    count: number | undefined,
  ): ErrorHandlerResult {
    this.logger.error('The connection to the NaN Guard server failed.', error);
    const action =
      count !== undefined && count <= MAX_CONSECUTIVE_WRITE_ERRORS
        ? ErrorAction.Continue
        : ErrorAction.Shutdown;
    return { action, handled: true };
  }

  closed(): CloseHandlerResult {
    const now = this.now();
    this.crashTimes = [...this.crashTimes.filter((time) => now - time < CRASH_WINDOW_MS), now];

    if (this.crashTimes.length > MAX_CRASHES) {
      this.gaveUp = true;
      this.logger.report(
        t(
          'The NaN Guard server crashed {0} times in 3 minutes and was not restarted. Run "NaN Guard: Restart Server" once the cause in the log is fixed.',
          this.crashTimes.length,
        ),
      );
      return { action: CloseAction.DoNotRestart, handled: true };
    }

    this.tellUserOnce();
    return { action: CloseAction.Restart, handled: true };
  }

  private tellUserOnce(): void {
    const message = t('The NaN Guard server stopped unexpectedly and was restarted.');
    if (this.userWasTold) {
      this.logger.warn(message);
      return;
    }
    this.userWasTold = true;
    this.logger.warnUser(message);
  }
}
