// Entry point of the web view: starts the app shell over the Tauri backend.
import "./style.css";
import { startApp } from "./app";
import { tauriBackend } from "./backend";
import { tauriDrop } from "./drop";

const root = document.querySelector<HTMLElement>("#app");
if (root !== null) {
  void startApp(root, tauriBackend, tauriDrop);
}
