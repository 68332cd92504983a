// A cheap first look at a file's text: a file that contains none of the words any rule needs is
// not parsed at all. Most files of a large tree never mention exp, log or softmax, and reading a
// regular expression over them costs far less than parsing them.
//
// Every rule's trigger must appear here; a test runs every fixture that has findings through
// `mightHaveFindings`, so a rule whose trigger is missing fails that test, not silently in use.

export const RULE_TOKENS: readonly string[] = [
  'exp',
  'log',
  'prod',
  'nan',
  'NaN',
  'backward',
  'step',
  'sqrt',
  'pow',
  '\\*\\*',
  'acos',
  'arccos',
  'asin',
  'arcsin',
  'std',
  'norm',
  'var',
  'masked_fill',
  'finfo',
  'autocast',
  'half',
  'float16',
  '1e-',
  'clip',
  'clamp',
  'sigmoid',
  'softmax',
  'Adam',
  'Sigmoid',
  'Tanh',
  'init',
  'reduce',
  'mean',
  '\\*=',
  'apply_gradients',
  'int8',
  'int16',
  'int32',
  'rossentropy',
  'sum',
  'tanh',
  'Softmax',
  'adam',
  'RMSprop',
  'rmsprop',
  'inf',
  'Infinity',
  'Sequential',
  'sequential',
  'normal',
  'Normal',
];

const ANY_TOKEN = new RegExp(RULE_TOKENS.join('|'));

export function mightHaveFindings(text: string): boolean {
  return ANY_TOKEN.test(text);
}
