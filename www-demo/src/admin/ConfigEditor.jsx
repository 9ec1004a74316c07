// Configuration layers (docs/protocol.md part E): defaults, environment, and
// per-organization / per-customer overrides, edited as JSON.
import { useEffect, useState } from 'react';
import { api } from '../api.js';

const ORDER = ['defaults', 'environment', 'organization', 'customer'];
const label = (l) => (l.scope ? `${l.layer} · ${l.scope}` : l.layer);

export default function ConfigEditor({ layers, run }) {
  const sorted = [...layers].sort((a, b) => ORDER.indexOf(a.layer) - ORDER.indexOf(b.layer) || (a.scope ?? '').localeCompare(b.scope ?? ''));
  return (
    <section>
      <h1>Configuration</h1>
      <p className="muted small">A user gets the environment layer (else the defaults) deep-merged with their customer's override, or, when their customer has none, their organization's.</p>
      <div className="layer-grid">
        {sorted.map((l) => <Layer key={label(l)} layer={l} run={run} />)}
      </div>
      <NewLayer run={run} />
    </section>
  );
}

function Layer({ layer, run }) {
  const pretty = JSON.stringify(layer.value, null, 2);
  const [text, setText] = useState(pretty);
  const [problem, setProblem] = useState(null);
  useEffect(() => setText(pretty), [pretty]);
  const id = label(layer).replace(/[^a-z0-9-]+/gi, '-');

  const save = () => {
    let value;
    try {
      value = JSON.parse(text);
    } catch (e) {
      setProblem(`Not JSON: ${e.message}`);
      return;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      setProblem('A layer is a JSON object.');
      return;
    }
    setProblem(null);
    run(() => api.setLayer(layer.layer, layer.scope, value));
  };

  return (
    <div className="card layer" data-testid={`layer-${id}`}>
      <h3>{label(layer)}</h3>
      <textarea spellCheck="false" rows={Math.min(14, text.split('\n').length + 1)} value={text} onChange={(e) => setText(e.target.value)} />
      {problem && <p className="error small">{problem}</p>}
      <div className="row">
        <button type="button" onClick={save} disabled={text === pretty}>Save</button>
        <button type="button" className="link" onClick={() => setText(pretty)} disabled={text === pretty}>Undo</button>
        <button type="button" className="link danger" onClick={() => window.confirm(`Remove ${label(layer)}?`) && run(() => api.removeLayer(layer.layer, layer.scope))}>Remove</button>
      </div>
    </div>
  );
}

function NewLayer({ run }) {
  const [layer, setLayer] = useState('organization');
  const scoped = layer === 'organization' || layer === 'customer';
  const submit = (event) => {
    event.preventDefault();
    const scope = scoped ? String(new FormData(event.currentTarget).get('scope')).trim() : undefined;
    run(() => api.setLayer(layer, scope, {}));
  };
  return (
    <form className="card row" onSubmit={submit}>
      <select value={layer} onChange={(e) => setLayer(e.target.value)} aria-label="layer">
        {ORDER.map((l) => <option key={l} value={l}>{l}</option>)}
      </select>
      {scoped && <input name="scope" placeholder={layer === 'customer' ? 'customer id' : 'organization id'} required />}
      <button type="submit">Add layer</button>
    </form>
  );
}
