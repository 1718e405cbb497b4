// JupyterLab's own styles, as its examples/notebook loads them (gradlab's come with the prebuilt extension).
import "@jupyterlab/application/style/index.css";
import "@jupyterlab/codemirror/style/index.css";
import "@jupyterlab/notebook/style/index.css";
import "@jupyterlab/theme-light-extension/style/theme.css";
