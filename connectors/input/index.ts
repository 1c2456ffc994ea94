/** The file input layer every file format reads through: path expansion, split planning, line reading, compression, and its error catalogue. */
export { expandInputPaths, type InputFile } from './paths.ts';
export {
  planFileSplits, planWholeFiles, wholeFileSplit, positiveIntOption, DEFAULT_MAX_SPLIT_BYTES, type FileSplit, type WholeFilesSplit,
} from './splits.ts';
export { lineChunks, readLines, lineNumberAt, asFileSplit, DEFAULT_CHUNK_BYTES, type LineChunk } from './lines.ts';
export { compressionOf, readWholeFile, readFileHead, type Compression } from './compression.ts';
export { INPUT_ERRORS, inputNotFound, inputNotReadable, badInputOption, badInputSplit, inputChanged, inputChecksumMismatch } from './errors.ts';
export {
  BYTES_PER_CHECKSUM, ChecksumBuilder, ChecksummedFile, checksumPath, crc32, loadChecksums, rangeVerifier, verifyWhole, writeFileWithChecksum,
  type Checksums, type ChunkDescriber, type RangeVerifier,
} from './checksum.ts';
export { checkPlannedSize } from './splits.ts';
