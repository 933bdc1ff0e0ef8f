// A page that hosts VS Code's own ipywidgets 8 renderer (@vscode/jupyter-ipywidgets8) against a live Jupyter kernel.
//
// In VS Code the renderer's WidgetManager gets a ProxyKernel: a @jupyterlab/services KernelConnection whose WebSocket
// is replaced by postMessage to the extension host (vscode-jupyter src/webviews/webview-side/ipywidgets/kernel/
// kernel.ts). Here the same WidgetManager gets a plain KernelConnection over a real WebSocket to a local Jupyter
// server, and a script loader that maps widget modules to the kernel's nbextension files, as VS Code's ScriptManager
// does for "local" widget sources (kernel/scriptManager.ts, requirejsRegistry.ts). renderWidget below mirrors
// vscode-jupyter's WidgetManager.renderWidget (kernel/manager.ts): get_model, create_view, display_view.
import { activate } from "./ipywidgets8.js";
import { KernelManager, ServerConnection } from "./services.js";

const WIDGET_MIMETYPE = "application/vnd.jupyter.widget-view+json";
const config = JSON.parse(document.getElementById("lrw-host-config").textContent);
const errors = [];
const log = [];

activate();
window.vscIPyWidgets8.load();  // defines @jupyter-widgets/{base,controls,output} in requirejs, sets vscIPyWidgets

const scriptLoader = {
  widgetsRegisteredInRequireJs: new Set(),
  async loadWidgetScript(moduleName, moduleVersion) {
    window.requirejs.config({ paths: { [moduleName]: `${config.nbextensions}/${moduleName}/index` } });
    this.widgetsRegisteredInRequireJs.add(moduleName);
    log.push(`loaded ${moduleName}@${moduleVersion}`);
  },
  successHandler() {},
  errorHandler(className, moduleName, moduleVersion, error) {
    errors.push(`could not load ${moduleName}@${moduleVersion} ${className}: ${error}`);
  },
};

const serverSettings = ServerConnection.makeSettings({
  baseUrl: config.baseUrl, token: config.token,
  appendToken: true,  // the page is not the server's origin, so no cookie: the WebSocket URL carries the token
});
const kernels = new KernelManager({ serverSettings });
// The page is ready once the kernel has answered kernel_info over the WebSocket, so the first execute never meets
// a connection that is still opening.
const kernel = await kernels.startNew({ name: "python3" });
const noReply = new Promise((_, fail) => setTimeout(() => fail(new Error("no kernel_info reply in 90 s")), 90_000));
await Promise.race([kernel.info, noReply]);
const outputs = document.getElementById("lrw-outputs");
const manager = new window.vscIPyWidgets.WidgetManager(kernel, outputs, scriptLoader, (line) => log.push(line));

async function renderWidget(data, element) {
  const model = await manager.get_model(data.model_id);
  const view = await manager.create_view(model, { el: element });
  return manager.display_view(data, view, { node: element });
}

// Runs `code`; resolves with its text output once the kernel is idle, rendering each widget it displays into its own
// output element (what VS Code's notebook renderer gives each output).
function execute(code) {
  const future = kernel.requestExecute({ code, stop_on_error: true });
  const text = [];
  const renders = [];
  future.onIOPub = (message) => {
    const type = message.header.msg_type;
    if (type === "stream") text.push(message.content.text);
    else if (type === "error") text.push(`${message.content.ename}: ${message.content.evalue}`);
    else if (type === "display_data" || type === "execute_result") {
      const data = message.content.data;
      if (data[WIDGET_MIMETYPE]) {
        const element = document.createElement("div");
        element.className = "cell-output-ipywidget-background";
        outputs.appendChild(element);
        renders.push(renderWidget(data[WIDGET_MIMETYPE], element).catch((error) => errors.push(String(error))));
      } else if (data["text/plain"]) text.push(data["text/plain"]);
    }
  };
  return future.done.then(async (reply) => {
    await Promise.all(renders);
    return { status: reply.content.status, text: text.join("") };
  });
}

window.lrwHost = { execute, errors, log, kernel };
