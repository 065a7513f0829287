// The 窓口 page: 照合番号B → the counter server's 対面確認 (examples/portal/madoguchi.mjs) → the
// photo large beside the name, address and birth date, and the verdict with each check named.
// Nothing is kept: the result lives in this page's DOM until 消去 or the next check.
const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const virtualPersona = params.get('virtual');

const CHECKS = [
  ['face_signature', '券面事項の署名（J-LIS の署名鍵）', 'face data signature'],
  ['key_record', '署名鍵の記録（鍵記録 EF 0004）', 'key record of the signing key'],
  ['challenge_answer', 'カード本体の応答（チャレンジへの署名）', 'the card’s answer to a fresh challenge'],
];
const RESULT = {
  passed: ['確認できました', 'passed'],
  failed: ['確認できません', 'FAILED'],
  not_checked: ['未確認（発行者の鍵がありません）', 'not checked (no issuer key)'],
};
const SEXES = { 1: ['男', 'male'], 2: ['女', 'female'], 9: ['適用不能', 'not applicable'], 0: ['不明', 'not known'] };

function clear() {
  $('result').hidden = true;
  $('error').hidden = true;
  for (const id of ['photo', 'name', 'address', 'code']) $(id).removeAttribute('src');
  for (const id of ['birth', 'sex', 'expiry', 'verdict']) $(id).textContent = '';
}

function bilingual(el, ja, en) {
  el.textContent = ja;
  const s = document.createElement('small');
  s.textContent = en;
  el.append(' ', s);
}

function showError(code, ja, en) {
  $('error').hidden = false;
  bilingual($('error'), `${ja} [${code}]`, en);
}

async function check(event) {
  event.preventDefault();
  clear();
  const numberB = $('numberB').value.trim();
  $('numberB').value = '';
  if (!/^[0-9]{14}$/.test(numberB)) {
    return showError('PIN_FORMAT', '照合番号Bは数字14桁です。カードには送っていません（回数は減っていません）。', 'Number B is 14 digits. Nothing was sent to the card (no try was used).');
  }
  $('check').disabled = true;
  try {
    const r = await fetch('/madoguchi/check', {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ numberB, virtual: virtualPersona }),
    });
    const body = await r.json();
    if (!r.ok) return showError(body.code, body.messageJa || '読み取れませんでした。', body.messageEn || 'The card could not be read.');
    show(body);
  } catch {
    showError('NETWORK', '窓口サーバーに接続できません。', 'The counter server cannot be reached.');
  } finally {
    $('check').disabled = false;
  }
}

function show({ check, images }) {
  const src = (name) => `data:image/png;base64,${images[name]}`;
  $('photo').src = src('photo.png');
  $('name').src = src('name.png');
  $('address').src = src('address.png');
  $('code').src = src('security-code.png');
  $('birth').textContent = check.birth_date ?? '';
  const sex = SEXES[check.sex] ?? [check.sex ?? '', ''];
  bilingual($('sex'), sex[0], sex[1]);
  $('expiry').textContent = check.expiry ?? '';
  const v = $('verdict');
  v.className = `verdict panel ${check.genuine ? 'genuine' : 'not-genuine'}`;
  const h = document.createElement('h2');
  if (check.genuine) bilingual(h, '真正なカードです', 'Genuine card: all checks passed');
  else bilingual(h, '真正性を確認できません — 本人確認書類として受け付けないでください', 'NOT shown genuine: do not accept this card as identification');
  const ul = document.createElement('ul');
  for (const [key, ja, en] of CHECKS) {
    const c = check.checks[key];
    const li = document.createElement('li');
    li.className = c.result;
    li.dataset.check = key;
    const [rja, ren] = RESULT[c.result];
    bilingual(li, `${ja}: ${rja}${c.code ? ` [${c.code}]` : ''}`, `${en}: ${ren}`);
    ul.append(li);
  }
  v.replaceChildren(h, ul);
  $('result').hidden = false;
}

$('form').addEventListener('submit', check);
$('clear').addEventListener('click', () => { $('numberB').value = ''; clear(); });
window.madoguchiReady = true;
