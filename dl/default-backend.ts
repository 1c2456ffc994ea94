/** The default compute backend: dl/compile.ts (graph compiled to ONNX, run by onnxruntime-node). */
import { DlNotImplementedError } from './errors.ts';
import type { DlBackend } from './backend.ts';

/** Loads dl/compile.ts and adapts it to the DlBackend the Optimizer and Model drive. */
export async function defaultBackend(): Promise<DlBackend> {
  const spec = './compile.ts';
  try {
    await import(spec);
  } catch (e) {
    throw new DlNotImplementedError(`the compiled training backend (dl/compile.ts) is not available: ${(e as Error).message}`);
  }
  throw new DlNotImplementedError('the compiled training backend is not wired yet');
}
