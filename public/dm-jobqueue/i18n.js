// Texts of the demo page. English is the default; Japanese when the browser prefers it.
// The API's problem details are English: known phrases are translated, others shown as they are.

const EN = {
  'page.title': 'Delayed job queue · dm-jobqueue',
  eyebrow: 'dm-jobqueue · reference demo',
  heading: 'Delayed job queue',
  lead: 'Register a demo:delay_print job. The API stores it in Redis; when the delay is over, the worker prints your message on its standard output.',
  'form.heading': 'Register a job',
  'message.label': 'Message',
  'message.placeholder': '(empty: “Job executed successfully”)',
  'message.hint':
    'Optional. One line, up to 1000 characters; the worker prints it. Leave it empty for the default message.',
  'message.count': '{count} / {max}',
  'message.tooLong': 'The message is longer than {max} characters; the API will refuse it.',
  'delay.label': 'Delay (seconds)',
  'delay.hint': '0 runs it now; at most 2592000 (30 days).',
  'retry.label': 'Max retry',
  'retry.hint': '0 = one attempt, no retry; at most 25.',
  submit: 'Register',
  submitting: 'Registering…',
  registered: 'Job registered: {id}. It runs at {time}.',
  'error.fields': 'Nothing was registered: please correct the fields marked in the form.',
  'key.label': 'API key',
  'key.hint':
    'Sent as “Authorization: Bearer …”, kept in this tab only. npm run dev prints a link that fills it in; npm run api-key makes one.',
  'error.unauthorized': 'Nothing was registered: the API refused the API key (401 Unauthorized): {detail}',
  'error.forbidden': 'Nothing was registered: the API key may not do this (403 Forbidden): {detail}',
  'error.body': 'Nothing was registered: {detail}',
  'error.rateLimited': 'Too many requests, retry in {seconds} s.',
  'error.unavailable': 'The job queue is unavailable: {reason}. Nothing was registered; try again in a few seconds.',
  'error.network': 'Cannot reach the API server. Is it running?',
  'error.other': 'The server answered {status}: {detail}',
  'job.heading': 'Your job',
  'job.id': 'Job ID',
  'job.message': 'Message',
  'job.runAt': 'Due at',
  'job.attempts': 'Runs made',
  'job.finishedAt': 'Finished at',
  'job.failure': 'Last failure',
  'job.attemptsValue': '{made} of at most {total}',
  'state.delayed': 'delayed',
  'state.waiting': 'waiting',
  'state.active': 'active',
  'state.completed': 'completed',
  'state.failed': 'failed',
  'state.cancelled': 'cancelled',
  'state.expired': 'expired',
  'job.cancel': 'Cancel this job',
  'check.cancelRefused': 'Not cancelled: {detail}',
  'progress.cancelled': 'Cancelled: it will not run.',
  'progress.expired': 'Expired: its expiry time passed before it could start, so it did not run.',
  'progress.delayed': 'Runs in {countdown}.',
  'progress.retry': 'Run {made} failed; retry in {countdown}.',
  'progress.due': 'Due now; checking…',
  'progress.waiting': 'Due; waiting for a free worker.',
  'progress.active': 'Running now.',
  'progress.completed': 'Done: the worker printed the message.',
  'progress.failed': 'Failed for good; no retries are left.',
  'check.rateLimited': 'Too many requests; checking again in {seconds} s.',
  'check.unavailable': 'Cannot check the job: the job queue is unavailable ({reason}). Checking again in {seconds} s.',
  'check.network': 'Cannot reach the API server; checking again in {seconds} s.',
  'check.other': 'The server answered {status}; checking again in {seconds} s.',
  'check.notFound': 'The queue no longer knows this job: finished jobs are removed after a while.',
  'announce.state': 'Job {id} is {state}.',
  'recent.heading': 'Registered from this page',
  'recent.follow': 'Follow',
  'recent.followLabel': 'Follow job {id}',
  'recent.following': 'following',
};

const JA = {
  'page.title': '遅延ジョブキュー · dm-jobqueue',
  eyebrow: 'dm-jobqueue · リファレンスデモ',
  heading: '遅延ジョブキュー',
  lead: 'demo:delay_print ジョブを登録します。API がジョブを Redis に保存し、遅延時間が過ぎるとワーカーがメッセージを標準出力に出力します。',
  'form.heading': 'ジョブを登録',
  'message.label': 'メッセージ',
  'message.placeholder': '（空欄:「Job executed successfully」）',
  'message.hint': '省略可。1 行、1000 文字まで。ワーカーが出力します。空欄のままなら既定のメッセージです。',
  'message.count': '{count} / {max}',
  'message.tooLong': 'メッセージが {max} 文字を超えています。API は受け付けません。',
  'delay.label': '遅延（秒）',
  'delay.hint': '0 ですぐに実行。最大 2592000（30 日）。',
  'retry.label': '最大リトライ回数',
  'retry.hint': '0 は 1 回だけ実行し、リトライしません。最大 25。',
  submit: '登録',
  submitting: '登録中…',
  registered: 'ジョブを登録しました: {id}。実行予定は {time} です。',
  'error.fields': '登録されていません。フォームの印の付いた項目を直してください。',
  'key.label': 'API キー',
  'key.hint':
    '「Authorization: Bearer …」として送信し、このタブの中だけに保存します。npm run dev が表示するリンクで自動入力され、npm run api-key で作れます。',
  'error.unauthorized': '登録されていません。API が API キーを拒否しました（401 Unauthorized）: {detail}',
  'error.forbidden': '登録されていません。この API キーではこの操作はできません（403 Forbidden）: {detail}',
  'error.body': '登録されていません: {detail}',
  'error.rateLimited': 'リクエストが多すぎます。{seconds} 秒後に再試行してください。',
  'error.unavailable': 'ジョブキューを利用できません: {reason}。登録されていません。数秒後に再試行してください。',
  'error.network': 'API サーバーに接続できません。起動していますか？',
  'error.other': 'サーバーの応答 {status}: {detail}',
  'job.heading': '登録したジョブ',
  'job.id': 'ジョブ ID',
  'job.message': 'メッセージ',
  'job.runAt': '実行予定',
  'job.attempts': '実行回数',
  'job.finishedAt': '終了時刻',
  'job.failure': '直近の失敗',
  'job.attemptsValue': '{made} 回（最大 {total} 回）',
  'state.delayed': '予定',
  'state.waiting': '待機中',
  'state.active': '実行中',
  'state.completed': '完了',
  'state.failed': '失敗',
  'state.cancelled': 'キャンセル済み',
  'state.expired': '期限切れ',
  'job.cancel': 'このジョブをキャンセル',
  'check.cancelRefused': 'キャンセルできませんでした: {detail}',
  'progress.cancelled': 'キャンセルしました。実行されません。',
  'progress.expired': '期限切れ: 開始できる前に有効期限を過ぎたため、実行されませんでした。',
  'progress.delayed': 'あと {countdown} で実行します。',
  'progress.retry': '{made} 回目の実行が失敗しました。あと {countdown} で再実行します。',
  'progress.due': '実行時刻になりました。確認中…',
  'progress.waiting': '実行時刻を過ぎ、空いているワーカーを待っています。',
  'progress.active': '実行中です。',
  'progress.completed': '完了: ワーカーがメッセージを出力しました。',
  'progress.failed': '失敗しました。リトライは残っていません。',
  'check.rateLimited': 'リクエストが多すぎます。{seconds} 秒後にもう一度確認します。',
  'check.unavailable':
    'ジョブを確認できません: ジョブキューを利用できません（{reason}）。{seconds} 秒後にもう一度確認します。',
  'check.network': 'API サーバーに接続できません。{seconds} 秒後にもう一度確認します。',
  'check.other': 'サーバーの応答 {status}。{seconds} 秒後にもう一度確認します。',
  'check.notFound': 'このジョブはキューにもうありません。終了したジョブはしばらくすると削除されます。',
  'announce.state': 'ジョブ {id}: {state}',
  'recent.heading': 'このページから登録したジョブ',
  'recent.follow': '表示',
  'recent.followLabel': 'ジョブ {id} を表示',
  'recent.following': '表示中',
};

/** The API's English phrases (reasons of 400 and 503 answers) in Japanese. */
const JA_PHRASES = [
  [/^Redis is not connected$/, 'Redis に接続されていません'],
  [/^Redis did not answer in time$/, 'Redis が時間内に応答しませんでした'],
  [/^Redis did not accept the job$/, 'Redis がジョブを受け付けませんでした'],
  [/^Redis could not read the job$/, 'Redis からジョブを読めませんでした'],
  [/^must be a number$/, '数値を入力してください'],
  [/^must be a whole number$/, '整数を入力してください'],
  [/^must be 0 or more$/, '0 以上にしてください'],
  [/^must be at most (\d+) \(30 days\)$/, '$1（30 日）以下にしてください'],
  [/^must be at most (\d+) characters$/, '$1 文字以内にしてください'],
  [/^must be at most (\d+)$/, '$1 以下にしてください'],
  [/^must not be empty$/, '空にはできません'],
  [/^must be a string$/, '文字列を入力してください'],
  [
    /^must not contain (U\+[0-9A-F]+) \(a control character.*\) at position (\d+)$/,
    '$2 文字目の $1 は制御文字（改行、タブ、エスケープなど）のため使えません',
  ],
  [
    /^must not contain (U\+[0-9A-F]+) \(an invisible format character.*\) at position (\d+)$/,
    '$2 文字目の $1 は文字の並びを変えたり隠したりする不可視の書式文字のため使えません',
  ],
  [
    /^must not contain (U\+[0-9A-F]+) \(a line or paragraph separator\) at position (\d+)$/,
    '$2 文字目の $1 は行・段落区切り文字のため使えません',
  ],
  [
    /^must not contain (U\+[0-9A-F]+) \(a lone surrogate.*\) at position (\d+)$/,
    '$2 文字目の $1 は不正な文字（孤立サロゲート）のため使えません',
  ],
  [/^is not a known field$/, '不明な項目です'],
];

const TEXTS = { en: EN, ja: JA };

/**
 * 'ja' when the first English or Japanese entry of the browser's preferred
 * languages is Japanese, else 'en'.
 * @example pickLanguage(['ja-JP', 'en-US']) // 'ja'
 */
export function pickLanguage(languages) {
  for (const tag of languages ?? []) {
    const primary = String(tag).toLowerCase().split('-')[0];
    if (primary === 'ja' || primary === 'en') return primary;
  }
  return 'en';
}

/** A translate function for `lang`: `t('registered', { id, time })`. */
export function translator(lang) {
  const texts = TEXTS[lang] ?? EN;
  const t = (key, params = {}) =>
    (texts[key] ?? EN[key] ?? key).replace(/\{(\w+)\}/g, (whole, name) =>
      name in params ? String(params[name]) : whole,
    );
  t.lang = lang;
  /** An English phrase from the API in the page's language (unknown ones unchanged). */
  t.phrase = (text) => {
    if (lang !== 'ja') return text;
    const found = JA_PHRASES.find(([pattern]) => pattern.test(text));
    return found ? text.replace(found[0], found[1]) : text;
  };
  return t;
}

/** Puts the page's static texts in the chosen language (elements marked with data-i18n). */
export function applyTranslations(root, t) {
  root.documentElement.lang = t.lang;
  for (const element of root.querySelectorAll('[data-i18n]')) element.textContent = t(element.dataset.i18n);
  for (const element of root.querySelectorAll('[data-i18n-placeholder]'))
    element.placeholder = t(element.dataset.i18nPlaceholder);
}
