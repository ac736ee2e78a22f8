// Ribbon button « Recalculer » of the fitn-xl manifest (FunctionName fitn-recalculer).
async function fitnRecalculer(event) {
  const authResult =
    typeof globalThis.getAuth === "function" ? await globalThis.getAuth() : { token: "", provider: "" };
  await xlwings.runPython({
    auth: authResult.token,
    scriptName: "recalculer",
    headers: { "Auth-Provider": authResult.provider },
  });
  event.completed();
}
Office.actions.associate("fitn-recalculer", fitnRecalculer);
