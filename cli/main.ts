// The `nanguard` command: `nanguard check [PATH...]` scans files and prints findings in one of
// four formats, optionally fixing them; `nanguard rules` lists the rule catalogue. Exit codes:
// 0 nothing found, 1 something found (after fixing: something remains), 2 usage or input error.

import { Command, CommanderError, Option } from 'commander';
import packageJson from '../package.json';
import { displayLanguageOf, t, useLanguage, type DisplayLanguage } from '../rules/engine/l10n';
import { runCheck, type CheckOptions } from './check';
import { printRules } from './rules-command';
import { defaultJobs } from './scan';

const FORMATS = ['text', 'json', 'sarif', 'github'];
const LANGUAGES = ['en', 'ja'];

/**
 * The language is needed before the command line is parsed, since the help text is translated
 * too: `--lang` wins, then the locale variables in the order POSIX gives them.
 */
function chosenLanguage(argv: string[]): DisplayLanguage {
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    if (argument === '--lang' && argv[index + 1]) return displayLanguageOf(argv[index + 1]);
    if (argument.startsWith('--lang=')) return displayLanguageOf(argument.slice('--lang='.length));
  }
  const { LC_ALL, LC_MESSAGES, LANG } = process.env;
  return displayLanguageOf(LC_ALL || LC_MESSAGES || LANG);
}

function buildProgram(language: DisplayLanguage): Command {
  const program = new Command('nanguard')
    .description(t('Finds numerically unstable code in machine-learning programs.'))
    .version(packageJson.version)
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text) });

  const languageOption = () =>
    new Option('--lang <language>', t('language of messages'))
      .choices(LANGUAGES)
      .default(language, t('from LC_ALL, LC_MESSAGES or LANG, else en'));

  program
    .command('check')
    .description(t('check files and folders for numerically unstable code'))
    .argument('[paths...]', t('files or folders to check'), ['.'])
    .addOption(new Option('--format <format>', t('output format')).choices(FORMATS).default('text'))
    .option('--fix', t('apply safe fixes'), false)
    .option('--unsafe-fixes', t('also apply unsafe fixes (implies --fix)'), false)
    .option('--diff', t('print the fixes as a unified diff and write nothing'), false)
    .option('--exit-zero', t('exit with 0 even when problems are found'), false)
    .option('--statistics', t('print the number of problems per rule'), false)
    .option('--select <codes>', t('comma-separated codes or prefixes to enable'))
    .option('--ignore <codes>', t('comma-separated codes or prefixes to disable'))
    .option('--config <file>', t('configuration file to use instead of the nearest one'))
    .addOption(languageOption())
    .option('--jobs <n>', t('number of parallel workers'), String(defaultJobs()))
    .option('--no-progress', t('do not show the progress line'))
    .action(async (paths: string[], options: CheckOptions) => {
      process.exitCode = await runCheck(paths, options);
    });

  program
    .command('rules')
    .description(t('list every rule'))
    .addOption(
      new Option('--format <format>', t('output format')).choices(['text', 'json']).default('text'),
    )
    .addOption(languageOption())
    .action((options: { format: 'text' | 'json' }) => {
      process.stdout.write(printRules(options.format));
    });

  return program;
}

async function main(argv: string[]): Promise<void> {
  // A reader that stops early (`nanguard check | head`) closes the pipe; that is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  useLanguage(chosenLanguage(argv.slice(2)));
  const program = buildProgram(chosenLanguage(argv.slice(2)));
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      const informational = ['commander.helpDisplayed', 'commander.version', 'commander.help'];
      process.exitCode = informational.includes(error.code) ? 0 : 2;
      return;
    }
    // Everything below the command line catches its own failures; this is the last resort.
    process.stderr.write(
      `nanguard: ${t('internal error: {0}', error instanceof Error ? error.message : String(error))}\n`,
    );
    process.exitCode = 2;
  }
}

void main(process.argv);
