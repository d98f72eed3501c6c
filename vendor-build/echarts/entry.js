// The ECharts the pages ship: only what they draw (bar and line charts on a grid, with tooltip,
// legend, title, mark lines, datasets and the ARIA description), canvas renderer. Exposes the
// global `echarts` that static/charts.js uses (`echarts.init`).
import * as echarts from "echarts/core";
import { BarChart, LineChart } from "echarts/charts";
import {
  AriaComponent, DatasetComponent, GridComponent, LegendComponent, MarkLineComponent, TitleComponent,
  TooltipComponent,
} from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";

echarts.use([BarChart, LineChart, AriaComponent, DatasetComponent, GridComponent, LegendComponent,
  MarkLineComponent, TitleComponent, TooltipComponent, CanvasRenderer]);
window.echarts = echarts;
