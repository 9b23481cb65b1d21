// Entry point of the web view: asks the app for the contracts and shows them.
import "./style.css";
import { listContracts } from "./api";
import { renderContracts, renderError } from "./view";

async function showContracts(target: HTMLElement): Promise<void> {
  try {
    const summaries = await listContracts();
    target.replaceChildren(...renderContracts(document, summaries));
  } catch (error) {
    target.replaceChildren(renderError(document, error));
  }
}

const target = document.querySelector<HTMLElement>("#contracts-body");
if (target !== null) {
  void showContracts(target);
}
