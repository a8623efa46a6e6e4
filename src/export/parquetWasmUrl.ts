/** The parquet-wasm binary's URL as the bundler serves it; pass it to configureParquetWasm (app layer). */
import url from "parquet-wasm/esm/parquet_wasm_bg.wasm?url";
export default url;
