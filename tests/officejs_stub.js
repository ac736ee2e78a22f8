// A stub of the Office.js surface the add-in's page uses, answered in place of office.js (tests/chromium_cdp.py)
// so that the real page, with xlwings Server's real custom-functions code and fitn-xl's batching, runs in headless
// Chromium without Excel. Excel is played by fitnExcel.invoke: like Excel's custom-functions runtime, it calls the
// function associated with an id once per invocation, all invocations in one synchronous loop (the same tick), each
// with its argument values (2-D arrays; null for a left-out optional argument) followed by an invocation object.
(function () {
  const WORKBOOK = "Registre.xlsx";
  const functions = new Map();

  class CustomFunctionError extends Error {
    constructor(code, message) {
      super(message || code);
      this.code = code;
    }
  }

  globalThis.CustomFunctions = {
    associate(id, fn) {
      if (typeof id === "object") {
        for (const [k, v] of Object.entries(id)) functions.set(k.toUpperCase(), v);
      } else {
        functions.set(id.toUpperCase(), fn);
      }
    },
    Error: CustomFunctionError,
    ErrorCode: { invalidValue: "#VALUE!", notAvailable: "#N/A", divisionByZero: "#DIV/0!", invalidNumber: "#NUM!",
                 nullReference: "#NULL!", invalidName: "#NAME?", invalidReference: "#REF!" },
  };

  const info = { host: "Excel", platform: "PC" };
  const ready = Promise.resolve(info);
  globalThis.Office = {
    HostType: { Excel: "Excel" },
    PlatformType: { PC: "PC", OfficeOnline: "OfficeOnline", Mac: "Mac" },
    onReady(callback) {
      if (callback) ready.then(callback);
      return ready;
    },
    initialize: null,
    context: {
      platform: "PC",
      diagnostics: { version: "stub", platform: "PC" },
      requirements: { isSetSupported: () => true },
      ui: { displayDialogAsync() {} },
      document: { settings: { get() { return null; }, set() {}, saveAsync() {} } },
    },
    actions: { associate() {} },
    addin: { showAsTaskpane: async () => {}, hide: async () => {}, onVisibilityModeChanged: async () => {} },
  };

  class RequestContext {
    constructor() {
      const loadable = (o) => Object.assign(o, { load() { return o; } });
      this.workbook = loadable({
        name: WORKBOOK,
        worksheets: loadable({ items: [], onCalculated: { add() {} }, getActiveWorksheet: () => loadable({ name: "Candidatures" }) }),
        names: loadable({ items: [] }),
        tables: loadable({ items: [] }),
        getSelectedRange: () => loadable({ address: "Candidatures!A1" }),
      });
      const datetimeFormat = loadable({ shortDatePattern: "dd/MM/yyyy" });
      this.application = { cultureInfo: loadable({ name: "fr-FR", datetimeFormat }) };
    }

    async sync() {}
  }
  globalThis.Excel = { RequestContext, run: async (callback) => callback(new RequestContext()) };

  function outcome(promise) {
    return Promise.resolve(promise).then(
      (value) => ({ value }),
      (error) => ({ error: String(error && error.message !== undefined ? error.message : error),
                    code: error && error.code ? error.code : null }),
    );
  }

  globalThis.fitnExcel = {
    functions,
    values: {}, // ranges of the workbook by name (set by the test or the benchmark)
    // The argument lists of `n` invocations. `spec`: per argument {row: name} (a column of `values`: invocation i
    // gets its row i as a one-cell range; form "column": the whole column), {table: name} (the same range for
    // every invocation; `copies`: each invocation its own copy, as Excel's deserialised messages hold them) or
    // null (left out).
    build(spec, n, form, copies) {
      const values = this.values;
      if (form === "column") {
        return [spec.map((a) => (a === null ? null : values[a.row || a.table]))];
      }
      const lists = new Array(n);
      for (let i = 0; i < n; i++) {
        lists[i] = spec.map((a) => {
          if (a === null) return null;
          if (a.row) return [values[a.row][i]];
          return copies ? structuredClone(values[a.table]) : values[a.table];
        });
      }
      return lists;
    },
    // Invoke function `id` once per entry of `argumentLists` in one synchronous loop; resolves when every result
    // is in: {ms: elapsed, results: [{value} or {error, code}]} (`keep`: false returns only the elapsed time).
    async invoke(id, argumentLists, addresses, keep = true) {
      const [run] = await this.invokeTogether([{ id, lists: argumentLists, addresses }], keep);
      return run;
    },
    // Several functions' invocations in the same synchronous loop (one recalculation): one result per entry.
    async invokeTogether(entries, keep = true) {
      const start = performance.now();
      const pendings = entries.map(({ id, lists, addresses }) => {
        const fn = functions.get(id.toUpperCase());
        if (!fn) throw new Error(`fonction ${id} non associée`);
        const pending = new Array(lists.length);
        for (let i = 0; i < lists.length; i++) {
          const invocation = { address: addresses ? addresses[i] : `Candidatures!Z${i + 2}`, functionName: id,
                               parameterAddresses: null };
          try {
            pending[i] = outcome(fn(...lists[i], invocation));
          } catch (error) {
            pending[i] = outcome(Promise.reject(error));
          }
        }
        return pending;
      });
      const results = await Promise.all(pendings.map((pending) => Promise.all(pending)));
      const ms = performance.now() - start;
      return results.map((r) => (keep ? { ms, results: r } : { ms }));
    },
  };
})();
