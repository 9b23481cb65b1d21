// Entry point of the web view: starts the app shell over the Tauri backend.
import "./style.css";
import { startApp } from "./app";
import { tauriBackend, tauriDrop } from "./tauri-backend";

const root = document.querySelector<HTMLElement>("#app");
if (root !== null) {
  void startApp(root, tauriBackend, tauriDrop);
}
