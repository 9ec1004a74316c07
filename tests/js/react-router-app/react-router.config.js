// `unstable_optimizeDeps` lets Vite find the routes' dependencies when the
// dev server starts. Without it `react-router dev` discovers each one when a
// page first imports it and re-bundles them all under new names; the page
// that asked gets 504 (Outdated Optimize Dep) and, here, never hydrated
// until reloaded by hand (4 of 4 first loads after `--force`). That is
// React Router's own advice for any library (react-router#13324).
export default { ssr: true, future: { unstable_optimizeDeps: true } };
