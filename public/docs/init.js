// Swagger UI's start, a file of its own: the page's CSP allows scripts from this origin only.
/* global SwaggerUIBundle, SwaggerUIStandalonePreset -- loaded by the page from swagger-ui-dist */
window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  persistAuthorization: false,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: 'StandaloneLayout',
});
