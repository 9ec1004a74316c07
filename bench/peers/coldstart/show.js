// Renders the 20 flags and records when they are on screen (the next frame).
export function show(isOn) {
  const names = Array.from({ length: 20 }, (_, i) => `cold_${String(i).padStart(2, '0')}`);
  document.getElementById('root').textContent = names.map((n) => `${n}: ${isOn(n) ? 'on' : 'off'}`).join('\n');
  window.shown = Object.fromEntries(names.map((n) => [n, Boolean(isOn(n))]));
  requestAnimationFrame(() => { window.shownAt = performance.now(); });
}
