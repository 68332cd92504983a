// URIs and file paths. Only `file:` URIs have a path on disk; untitled documents and notebook
// cells are analysed with the editor settings alone.

import { fileURLToPath, pathToFileURL } from 'node:url';

export function filePathOf(uri: string): string | null {
  if (!uri.startsWith('file:')) return null;
  try {
    return fileURLToPath(uri);
  } catch {
    return null;
  }
}

export function uriOf(filePath: string): string {
  return pathToFileURL(filePath).href;
}
