/**
 * The local page itself: plain HTML/CSS/JS, no framework, no network but the agent's own origin. Every
 * text on it comes from the agent's state (the gateway's config); the buttons are neutral symbols.
 */
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Loyalty Button</title>
<style>
  html, body { margin: 0; height: 100%; background: #10151c; color: #f4f6f8; font-family: system-ui, sans-serif; }
  body { display: flex; flex-direction: column; }
  main { flex: 1; display: flex; flex-direction: column; justify-content: center; align-items: center; padding: 4vh 6vw; text-align: center; }
  #question { font-size: clamp(28px, 5.5vw, 72px); line-height: 1.2; margin: 0; }
  #question .name { color: #ffd166; white-space: nowrap; }
  #thanks { position: fixed; inset: 0; display: none; align-items: center; justify-content: center; background: #1b4332; font-size: clamp(40px, 9vw, 120px); }
  body.thanks #thanks { display: flex; }
  #buttons { display: none; gap: 4vw; margin-top: 6vh; }
  body.touch #buttons { display: flex; }
  #buttons button { width: 22vw; height: 22vw; max-width: 260px; max-height: 260px; border: 0; border-radius: 50%; font-size: clamp(48px, 10vw, 140px); cursor: pointer; }
  button[data-button=good] { background: #2d6a4f; } button[data-button=neutral] { background: #b08900; } button[data-button=bad] { background: #9d0208; }
  #asking { position: fixed; inset: 0; display: none; flex-direction: column; align-items: center; justify-content: center; gap: 4vh; background: #10151c; }
  body.asking #asking { display: flex; }
  body.asking #thanks { display: none; }
  #why { font-size: clamp(28px, 5vw, 64px); margin: 0; }
  #options { display: flex; gap: 3vw; flex-wrap: wrap; justify-content: center; }
  #options button { font-size: clamp(22px, 3.5vw, 44px); padding: 3vh 3vw; border: 0; border-radius: 16px; background: #334155; color: #f4f6f8; cursor: pointer; }
  #indicator { position: fixed; right: 12px; bottom: 8px; font-size: 14px; color: #9aa5b1; }
</style>
</head>
<body>
<main>
  <h1 id="question" aria-live="polite"></h1>
  <div id="buttons">
    <button data-button="good" aria-label="good">&#9786;</button>
    <button data-button="neutral" aria-label="neutral">&#9679;</button>
    <button data-button="bad" aria-label="bad">&#9785;</button>
  </div>
</main>
<div id="asking"><h2 id="why"></h2><div id="options"></div></div>
<div id="thanks" role="status"></div>
<div id="indicator"></div>
<script>
  const wanted = new URLSearchParams(location.search).get('panel');
  let panel;
  const question = document.getElementById('question');
  function render(s) {
    document.documentElement.lang = (s.texts && s.texts.lang) || 'en';
    question.textContent = '';
    if (s.name && s.question.includes(s.name)) {
      const at = s.question.indexOf(s.name);
      const name = document.createElement('span');
      name.className = 'name';
      name.textContent = s.name;
      question.append(s.question.slice(0, at), name, s.question.slice(at + s.name.length));
    } else question.textContent = s.question;
    document.getElementById('thanks').textContent = (s.texts && s.texts.thanks) || '\\u2713';
    const texts = s.texts || {};
    document.getElementById('indicator').textContent = s.indicator ? (texts[s.indicator] || (s.indicator === 'offline' ? '\\u2298' : '\\u26a0')) : '';
    document.body.classList.toggle('thanks', s.thanks);
    document.body.classList.toggle('asking', !!s.asking);
    const options = document.getElementById('options');
    options.textContent = '';
    if (s.asking) {
      document.getElementById('why').textContent = s.asking.question;
      for (const o of s.asking.options) {
        const b = document.createElement('button');
        b.textContent = o.label;
        b.dataset.reason = o.id;
        b.addEventListener('click', () => post('/reason', { panel, reason: o.id }));
        options.append(b);
      }
    }
    document.body.classList.toggle('touch', !!s.touch);
    document.body.dataset.ready = '1';
  }
  new EventSource('/events').onmessage = (e) => {
    const s = JSON.parse(e.data);
    if (!panel && (!wanted || s.panel === wanted)) panel = s.panel;
    if (s.panel === panel) render(s);
  };
  function post(path, body) {
    return fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', 'x-lb-kiosk-press': '1' }, body: JSON.stringify(body) });
  }
  for (const b of document.querySelectorAll('#buttons button')) {
    b.addEventListener('click', () => post('/press', { panel, button: b.dataset.button }));
  }
</script>
</body>
</html>
`;
