// fitn-xl task pane: keeps the access token (browser storage) and passes the DITP month to its button.
(function () {
  const TOKEN_KEY = "fitn-xl-jeton";
  // ?apercu=1: preview in a plain browser (administrator, screenshot): Office.js has no Excel to attach to;
  // &alerte=TEXT previews what the pane shows after a button whose alert is TEXT.
  const query = new URLSearchParams(window.location.search);
  const preview = query.has("apercu");
  if (preview) {
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

  // A button's alert is also shown in the pane, its download links made clickable; the link to the list page of
  // several files (…/fitn/fichiers/<jeton>/) is replaced by the links of those files.
  const LINK = /https?:\/\/\S+\/fitn\/fichiers\/\S+/g;

  function resultArea() {
    let area = document.getElementById("fitn-resultat");
    if (!area) {
      area = document.createElement("section");
      area.id = "fitn-resultat";
      area.className = "small mb-3";
      area.setAttribute("aria-live", "polite");
      const buttons = document.querySelector(".fitn .d-grid");
      if (buttons) {
        buttons.after(area);
      } else {
        document.body.append(area);
      }
    }
    return area;
  }

  async function filesOf(url) {
    if (!url.endsWith("/")) {
      return [{ href: url, name: decodeURIComponent(url.split("/").pop()) }];
    }
    if (new URL(url).origin !== window.location.origin) {
      return [{ href: url, name: "Fichiers produits" }]; // only this server's list pages are read
    }
    try {
      const page = await fetch(url, { credentials: "omit" });
      if (page.ok) {
        const doc = new DOMParser().parseFromString(await page.text(), "text/html");
        const files = [...doc.querySelectorAll("li a[href]")].map((a) => ({
          href: new URL(a.getAttribute("href"), url).href,
          name: a.textContent,
        }));
        if (files.length) return files;
      }
    } catch (error) {
      console.error("FITN7 axe 3 : liste des fichiers", error);
    }
    return [{ href: url, name: "Fichiers produits" }];
  }

  async function showResult(text) {
    const area = resultArea();
    const message = document.createElement("p");
    message.className = "mb-1";
    const urls = [];
    for (const line of String(text).split("\n")) {
      urls.push(...(line.match(LINK) || []));
      const rest = line.replace(LINK, "").trim();
      if (rest) {
        if (message.childNodes.length) message.append(document.createElement("br"));
        message.append(rest);
      }
    }
    const list = document.createElement("ul");
    list.className = "ps-3 mb-0";
    for (const url of urls) {
      for (const file of await filesOf(url)) {
        const link = document.createElement("a");
        link.href = file.href;
        link.target = "_blank";
        link.rel = "noopener";
        link.textContent = file.name;
        const item = document.createElement("li");
        item.append(link);
        list.append(item);
      }
    }
    area.replaceChildren(message, ...(urls.length ? [list] : []));
  }
  globalThis.fitnShowResult = showResult;

  // xlwings.js plays a script's « alert » action through globalThis.callbacks.alert: wrap it (once) to show the
  // text in the pane too. Called when the page is ready and before each button click.
  function hookAlerts() {
    const callbacks = globalThis.callbacks;
    if (!callbacks || typeof callbacks.alert !== "function" || callbacks.alert.fitn) return;
    const original = callbacks.alert;
    const wrapped = function (context, action) {
      showResult(action && action.args ? action.args[0] : "").catch((error) => console.error(error));
      return original(context, action);
    };
    wrapped.fitn = true;
    callbacks.alert = wrapped;
  }
  document.addEventListener("click", hookAlerts, true);

  function ready() {
    hookAlerts();
    if (preview && query.has("alerte")) {
      showResult(query.get("alerte")).catch((error) => console.error(error));
    }
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
