// Ribbon button « Recalculer » of the fitn-xl manifest (FunctionName fitn-recalculer).
async function fitnRecalculer(event) {
  try {
    const authResult =
      typeof globalThis.getAuth === "function" ? await globalThis.getAuth() : { token: "", provider: "" };
    await xlwings.runPython({
      auth: authResult.token,
      scriptName: "recalculer",
      headers: { "Auth-Provider": authResult.provider },
    });
  } catch (error) {
    console.error("FITN7 axe 3 : Recalculer", error);
  } finally {
    // Office waits for this call before it accepts another click on the ribbon: always make it.
    event.completed();
  }
}
Office.actions.associate("fitn-recalculer", fitnRecalculer);
