// Starts Swagger UI on /docs from the vendored bundle (no inline script, nothing from another origin).
window.addEventListener("DOMContentLoaded", function () {
  window.SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
});
