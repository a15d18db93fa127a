/** The demo page (public/dm-jobqueue/): a button that registers a job and follows it, at `/dm-jobqueue`. */
import { defineExtra, type AppExtension } from '../extra.js';
import { createDemoPageRoutes } from './demo-page.js';

export const demoPageExtension = (): AppExtension => ({ mount: (app) => void app.route('/', createDemoPageRoutes()) });

export const demoPage = defineExtra({ name: 'demo-page', api: demoPageExtension });
