/** The console's pages, one line each; each module exports `render(ctx)` and loads on first visit. */
import type { Route } from '../context.js';

export const routes: Route[] = [
  { path: '/sign-in', load: () => import('./sign-in.js'), public: true },
  { path: '/', load: () => import('./overview.js'), nav: 'nav.overview' },
  { path: '/offices/:id', load: () => import('./office.js') },
  { path: '/employees/:id', load: () => import('./employee.js') },
  { path: '/interventions/:id', load: () => import('./intervention.js') },
  { path: '/rankings', load: () => import('./rankings.js'), nav: 'nav.rankings', roles: ['admin', 'manager'] },
  { path: '/fleet', load: () => import('./fleet.js'), nav: 'nav.fleet', roles: ['admin', 'technician'] },
  { path: '/settings', load: () => import('./settings.js'), nav: 'nav.settings', roles: ['admin', 'manager'] },
  { path: '/data', load: () => import('./data.js'), nav: 'nav.data', roles: ['admin', 'manager'] },
  { path: '/alerts', load: () => import('./alerts.js'), nav: 'nav.alerts', roles: ['admin', 'manager'] },
  { path: '/alerts/:id', load: () => import('./alerts-detail.js') },
  { path: '/subscriptions', load: () => import('./subscriptions.js'), nav: 'nav.subscriptions', roles: ['admin', 'manager'] },
  { path: '/review', load: () => import('./review.js'), nav: 'nav.review', roles: ['admin', 'manager', 'reviewer'] },
  { path: '/interventions', load: () => import('./interventions.js'), nav: 'nav.interventions', roles: ['admin', 'manager'] },
  { path: '/references', load: () => import('./references.js'), nav: 'nav.references', roles: ['admin', 'manager'] },
];
