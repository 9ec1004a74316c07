import { api } from '../api.js';

export default function NewFlag({ run }) {
  const submit = (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    run(async () => {
      await api.createFlag({
        flagName: String(data.get('flagName')).trim(),
        description: String(data.get('description')).trim() || null,
        enabled: data.get('enabled') === 'on',
      });
      form.reset();
    });
  };
  return (
    <form className="card row new-flag" onSubmit={submit} data-testid="new-flag">
      <input name="flagName" placeholder="new_flag_name" required maxLength={200} />
      <input name="description" placeholder="description (optional)" />
      <label className="switch"><input type="checkbox" name="enabled" /> on</label>
      <button type="submit">Create flag</button>
    </form>
  );
}
