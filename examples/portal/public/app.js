// The municipal portal page: reader → PIN (checked before it is sent) → authentication verified
// by the server → 基本4情報 after consent. Uses only the SDK's public browser API.
import init, { MynaCard, requestReader, checkPinFormat, errorMessage } from '/sdk/index.js';
import { startHandoff } from '/sdk/handoff.js';

const T = {
  ja: {
    brand: 'みらい市 電子申請ポータル', title: 'マイナンバーカードでログイン',
    stepReader: 'カードリーダー', stepPin: '暗証番号', stepLogin: '本人確認', stepInfo: '基本4情報',
    readerHelp: 'カードリーダーをパソコンに接続し、マイナンバーカードを置いてください。',
    connect: 'カードリーダーを選ぶ', virtual: '仮想カードで試す',
    // マイナアプリ beside デジタル認証アプリ: a third-party source reports the app's functions
    // moved into マイナアプリ on 2026-08-25 (unconfirmed; docs/oidc.md). Residents may know either.
    handoffHelp: 'この端末ではカードリーダーを使えません。スマートフォンの「デジタル認証アプリ」（マイナアプリ）で本人確認できます。',
    handoff: 'デジタル認証アプリ（マイナアプリ）で本人確認',
    handoffDesktopHelp: 'カードリーダーがない場合は、デジタル認証アプリ（マイナアプリ）でも本人確認できます（別ウィンドウが開きます）。',
    pinHelp: '利用者証明用電子証明書の暗証番号（数字4桁）を入力してください。',
    assistHelp: '券面事項入力補助用の暗証番号（数字4桁）を入力してください。',
    consent: '基本4情報（氏名・住所・生年月日・性別）をカードから読み取り、申請書に記入することに同意します。',
    name: '氏名', address: '住所', birth: '生年月日', sex: '性別',
    footer: '暗証番号はこの端末からカードにだけ送られ、保存も送信もされません。',
    ok: 'OK', clear: '消去', tries: (n) => `（残り ${n} 回）`, locked: '（ロックされています。市区町村の窓口で解除してください）',
    loggedIn: (s) => `本人確認ができました（${s}）`, triesAfter: (n) => `暗証番号の残り回数: ${n} 回`,
    sexes: { 1: '男性', 2: '女性', 9: '適用不能' },
    progress: { selecting: 'カードのアプリを選択中', checkingTries: '残り回数を確認中', verifyingPin: '暗証番号を照合中', reading: '読み取り中', signing: '署名中' },
    pinFormat: '暗証番号は数字4桁です。カードには送っていません（回数は減っていません）。',
  },
  en: {
    brand: 'Mirai City e-Application Portal', title: 'Log in with your My Number Card',
    stepReader: 'Card reader', stepPin: 'PIN', stepLogin: 'Identity check', stepInfo: 'Basic 4 information',
    readerHelp: 'Connect a card reader to this computer and place your My Number Card on it.',
    connect: 'Choose card reader', virtual: 'Try with the virtual card',
    handoffHelp: 'This device cannot use a card reader. Use the Digital Agency’s “Digital Authentication App” (Myna App) on your phone instead.',
    handoff: 'Verify with the Digital Authentication App (Myna App)',
    handoffDesktopHelp: 'No card reader? You can also verify with the Digital Authentication App (Myna App) (opens a new window).',
    pinHelp: 'Enter the 4-digit PIN of your user certificate (利用者証明用電子証明書).',
    assistHelp: 'Enter the 4-digit PIN for the card information assistant (券面事項入力補助).',
    consent: 'I agree that the portal reads my basic 4 information (name, address, date of birth, sex) from the card to fill in the form.',
    name: 'Name', address: 'Address', birth: 'Date of birth', sex: 'Sex',
    footer: 'Your PIN goes only from this device to the card; it is never stored or sent anywhere else.',
    ok: 'OK', clear: 'Clear', tries: (n) => `(${n} tries left)`, locked: '(locked: the municipal office can unlock it)',
    loggedIn: (s) => `Identity confirmed (${s})`, triesAfter: (n) => `PIN tries left: ${n}`,
    sexes: { 1: 'Male', 2: 'Female', 9: 'Not applicable' },
    progress: { selecting: 'Selecting the card application', checkingTries: 'Checking tries', verifyingPin: 'Checking the PIN', reading: 'Reading', signing: 'Signing' },
    pinFormat: 'The PIN is 4 digits. Nothing was sent to the card (no try was used).',
  },
};
let lang = new URLSearchParams(location.search).get('lang') === 'en' ? 'en' : 'ja';
const t = (k) => T[lang][k];
const $ = (id) => document.getElementById(id);
let card = null;

/** Texts made from state (tries, results, errors): re-rendered when the language changes. */
const rendered = new Map();
function show(id, render) {
  rendered.set(id, render);
  $(id).textContent = render();
}

function applyLanguage() {
  document.documentElement.lang = lang;
  for (const [id, render] of rendered) $(id).textContent = render();
  for (const el of document.querySelectorAll('[data-i18n]')) {
    const v = t(el.dataset.i18n);
    if (typeof v === 'string') el.textContent = v;
  }
  for (const b of document.querySelectorAll('[data-lang]')) b.setAttribute('aria-pressed', String(b.dataset.lang === lang));
  for (const b of document.querySelectorAll('.pinpad .ok')) b.textContent = t('ok');
  for (const b of document.querySelectorAll('.pinpad .clear')) b.textContent = t('clear');
}

function step(name) {
  const order = ['reader', 'pin', 'login', 'info'];
  for (const li of document.querySelectorAll('#steps li')) {
    const i = order.indexOf(li.dataset.step);
    li.className = i < order.indexOf(name) ? 'done' : i === order.indexOf(name) ? 'current' : '';
  }
  for (const s of order) $(s).hidden = order.indexOf(s) > order.indexOf(name);
}

function showError(e) {
  const el = $('error');
  if (!e) { el.hidden = true; show('error', () => ''); return; }
  const code = e.code ?? 'TRANSPORT';
  show('error', () => `${(lang === 'ja' ? e.messageJa : e.messageEn) ?? errorMessage(code, lang) ?? String(e.message ?? e)} [${code}]`);
  el.hidden = false;
}

function onProgress(p) {
  const box = $('progress');
  box.hidden = false;
  const share = p.step === 'reading' && p.total ? p.done / p.total : { selecting: .1, checkingTries: .3, verifyingPin: .5, signing: .9 }[p.step] ?? .5;
  $('bar').style.width = `${Math.round(share * 100)}%`;
  $('progressText').textContent = T[lang].progress[p.step] ?? p.step;
}

function triesText(state) {
  if (!state) return '';
  if (state.state === 'locked') return t('locked');
  if (state.state === 'remaining') return t('tries')(state.remaining);
  return '';
}

/** A PIN pad whose value is checked by the SDK before `submit` runs (a bad PIN costs no try). */
function pinPad(el, kind, submit) {
  let value = '';
  el.innerHTML = '';
  const display = Object.assign(document.createElement('div'), { className: 'display' });
  display.setAttribute('aria-label', 'PIN');
  el.append(display);
  const render = () => { display.textContent = '●'.repeat(value.length); };
  for (const d of ['1', '2', '3', '4', '5', '6', '7', '8', '9', 'clear', '0', 'del']) {
    const b = Object.assign(document.createElement('button'), { type: 'button' });
    b.dataset.key = d;
    b.textContent = d === 'del' ? '⌫' : d === 'clear' ? t('clear') : d;
    if (d === 'clear') b.className = 'clear';
    b.onclick = () => {
      if (d === 'clear') value = '';
      else if (d === 'del') value = value.slice(0, -1);
      else if (value.length < 4) value += d;
      render();
    };
    el.append(b);
  }
  const ok = Object.assign(document.createElement('button'), { type: 'button', className: 'ok', textContent: t('ok') });
  ok.onclick = async () => {
    const pin = value;
    value = '';
    render();
    if (checkPinFormat(kind, pin)) { showError({ code: 'PIN_FORMAT', messageJa: T.ja.pinFormat, messageEn: T.en.pinFormat }); return; }
    showError(null);
    ok.disabled = true;
    try { await submit(pin); } catch (e) { showError(e); } finally { ok.disabled = false; $('progress').hidden = true; }
  };
  el.append(ok);
  render();
}

const b64 = (bytes) => btoa(String.fromCharCode(...bytes));
const unb64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

async function afterConnect() {
  step('pin');
  const before = await card.pinState('jpki_auth');
  show('triesBefore', () => triesText(before));
  pinPad($('authPad'), 'auth', login);
}

async function login(pin) {
  const { id, challenge } = await (await fetch('/api/challenge', { method: 'POST' })).json();
  let auth;
  try {
    auth = await card.authenticate(pin, unb64(challenge), { onProgress });
  } finally {
    const now = await card.pinState('jpki_auth').catch(() => null);
    show('triesBefore', () => triesText(now));
  }
  const r = await fetch('/api/login', {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id, certificate: b64(auth.certificate), signature: b64(auth.signature) }),
  });
  const result = await r.json();
  if (!r.ok) throw result;
  step('login');
  $('authPad').hidden = true; // done with the PIN: no second try from this pad
  show('loginResult', () => t('loggedIn')(result.subject));
  const after = await card.pinState('jpki_auth');
  show('triesAfter', () => (after.state === 'remaining' ? t('triesAfter')(after.remaining) : triesText(after)));
}

async function readInfo(pin) {
  showFourInfo(await card.readFourInfo(pin, { onProgress }));
}

function showFourInfo(info) {
  $('fiName').textContent = info.name;
  $('fiAddress').textContent = info.address;
  $('fiBirth').textContent = info.birthDate;
  show('fiSex', () => T[lang].sexes[info.sex] ?? info.sex);
  $('fourInfo').hidden = false;
}

async function connectTo(device) {
  showError(null);
  card = await MynaCard.connect(device, { onProgress });
  $('progress').hidden = true;
  await afterConnect();
}

async function main() {
  await init();
  applyLanguage();
  step('reader');
  for (const b of document.querySelectorAll('[data-lang]')) b.onclick = () => { lang = b.dataset.lang; applyLanguage(); };
  // Phones and browsers without WebUSB cannot reach a reader: offer the hand-off instead.
  const noUsb = !('usb' in navigator) || /Android|iPhone|iPad/.test(navigator.userAgent);
  // Elsewhere the hand-off is the fallback for residents without a reader, in a popup.
  $('handoff').hidden = false;
  if (!noUsb) {
    $('handoffHelp').dataset.i18n = 'handoffDesktopHelp';
    $('handoffHelp').textContent = t('handoffDesktopHelp');
    $('handoffLink').classList.remove('primary');
    $('handoffLink').onclick = async (event) => {
      event.preventDefault();
      showError(null);
      try {
        const result = await startHandoff('/handoff/start', { mode: 'popup' });
        // The provider asked for consent and read the card: show what came back.
        step('info');
        for (const id of ['pin', 'reader', 'consentLabel', 'assistHelp', 'assistPad']) $(id).hidden = true;
        show('loginResult', () => t('loggedIn')(result.subject));
        if (result.fourInfo) showFourInfo(result.fourInfo);
      } catch (e) { showError(e); }
    };
  }
  $('connect').hidden = noUsb;
  $('connect').onclick = async () => { try { await connectTo(await requestReader()); } catch (e) { showError(e); } };
  $('virtual').onclick = async () => {
    try {
      // The virtual card behind an emulated RC-S380, as in the SDK's browser tests.
      if (!window.fakeUsb) await import('/virtual/fake-usb.js');
      const persona = new URLSearchParams(location.search).get('virtual') || 'taro';
      await window.fakeUsb.plug(persona, 'rcs380');
      await connectTo(await requestReader());
    } catch (e) { showError(e); }
  };
  $('consent').onchange = () => {
    if (!$('consent').checked) return;
    step('info');
    pinPad($('assistPad'), 'assist', readInfo);
  };
  window.portalReady = true;
}

main().catch((e) => { console.error(e); showError(e); });
