// Saving a file from the page (a link click on an object URL; the URL is freed a minute later,
// once the browser has surely read it).
export function saveFile(name: string, data: BlobPart, type: string): void {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** A name safe on every file system, from a run's name. */
export function fileStem(name: string): string {
  return (
    name
      .replace(/[^A-Za-z0-9._-]+/g, '_')
      .replace(/^[._]+|_+$/g, '')
      .slice(0, 80) || 'run'
  );
}

/**
 * A figure (standalone SVG text) as a PNG at `scale` times its size: drawn from a blob: URL onto
 * a canvas, so nothing is fetched.
 */
export async function savePng(
  name: string,
  svgText: string,
  width: number,
  height: number,
  scale = 2,
): Promise<void> {
  const url = URL.createObjectURL(new Blob([svgText], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2D canvas');
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
    const blob = await new Promise<Blob | null>((r) => canvas.toBlob(r, 'image/png'));
    if (!blob) throw new Error('the PNG could not be made');
    saveFile(name, blob, 'image/png');
  } finally {
    URL.revokeObjectURL(url);
  }
}
