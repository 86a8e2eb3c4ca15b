// One evaluation sample drawn at a whole-number zoom with nearest-neighbour scaling, so a digit's
// pixels stay pixels; a sample that is not a picture shows its largest values instead.
import { useEffect, useRef } from 'react';
import type { SampleLayout, SampleView } from '../../worker/protocol';
import { toRgba, zoomFor } from '../state/pixels';

export function SampleCanvas({
  sample,
  layout,
  label,
}: {
  sample: SampleView | undefined;
  layout: SampleLayout | null;
  label: string;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  const image = layout?.kind === 'image' && sample?.pixels ? layout : null;
  useEffect(() => {
    const canvas = ref.current;
    if (!canvas || !image || !sample?.pixels) return;
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    const data = toRgba(sample.pixels, sample.height, sample.width, image.channels);
    ctx.putImageData(
      new ImageData(data as Uint8ClampedArray<ArrayBuffer>, sample.width, sample.height),
      0,
      0,
    );
  }, [sample, image]);
  if (!sample) return <div className="sample-wait" role="img" aria-label={`${label}: loading`} />;
  if (!image)
    return (
      <table className="sample-values" aria-label={`${label}: largest input values`}>
        <tbody>
          {sample.top.map((v) => (
            <tr key={v.index}>
              <th scope="row">[{v.index}]</th>
              <td className="num">{v.value.toPrecision(3)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    );
  const zoom = zoomFor(sample.height, sample.width);
  return (
    <canvas
      ref={ref}
      width={sample.width}
      height={sample.height}
      role="img"
      aria-label={label}
      className="sample-canvas"
      style={{ width: sample.width * zoom, height: sample.height * zoom }}
    />
  );
}
