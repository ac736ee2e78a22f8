// Replaced by static/js/fitn.js (loaded by the task pane), which defines globalThis.getAuth for the « fitn »
// token provider and Entra ID. Kept as a fallback for pages without fitn.js.
globalThis.getAuth = async function () {
  if (config.authProviders.includes("entraid")) {
    return { token: await xlwings.getAccessToken(), provider: "entraid" };
  }
  return { token: localStorage.getItem("fitn-xl-jeton") || "", provider: config.authProviders.includes("fitn") ? "fitn" : "" };
};
