// fitn-xl task pane: keeps the access token (browser storage) and passes the DITP month to its button.
(function () {
  const TOKEN_KEY = "fitn-xl-jeton";
  // ?apercu=1: preview in a plain browser (administrator, screenshot): Office.js has no Excel to attach to.
  if (new URLSearchParams(window.location.search).has("apercu")) {
    document.documentElement.classList.add("fitn-apercu");
  }

  globalThis.getAuth = async function () {
    if (config.authProviders.includes("entraid")) {
      return { token: await xlwings.getAccessToken(), provider: "entraid" };
    }
    if (config.authProviders.includes("fitn")) {
      return { token: localStorage.getItem(TOKEN_KEY) || "", provider: "fitn" };
    }
    return { token: "", provider: "" };
  };

  function ready() {
    const token = document.getElementById("fitn-jeton");
    if (token) {
      token.value = localStorage.getItem(TOKEN_KEY) || "";
      token.addEventListener("change", () => localStorage.setItem(TOKEN_KEY, token.value.trim()));
    }
    const month = document.getElementById("fitn-mois");
    const ditp = document.getElementById("fitn-ditp");
    if (month && ditp) {
      const now = new Date();
      month.value = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}`;
      const sync = () => ditp.setAttribute("xw-args", JSON.stringify([month.value || ""]));
      month.addEventListener("change", sync);
      sync();
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
