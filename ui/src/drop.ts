// Files dropped on the window: the `DropSource` the Load screen listens to, and
// `tauriDrop`, its implementation over Tauri's webview drag-drop event. Kept
// apart from the commands so tests need no Tauri.

/** Where dropped file paths come from. */
export interface DropSource {
  listen(onDrop: (paths: string[]) => void, onHover: (over: boolean) => void): Promise<() => void>;
}

/** Files dropped on the window (Tauri's webview drag-drop event). */
export const tauriDrop: DropSource = {
  async listen(onDrop, onHover) {
    const { getCurrentWebview } = await import("@tauri-apps/api/webview");
    return getCurrentWebview().onDragDropEvent((event) => {
      const payload = event.payload;
      if (payload.type === "enter" || payload.type === "over") onHover(true);
      else if (payload.type === "leave") onHover(false);
      else if (payload.type === "drop") {
        onHover(false);
        onDrop(payload.paths);
      }
    });
  },
};
