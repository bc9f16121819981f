export interface Row {
  label: string;
  value: number;
  /** What to print instead of the value (an amount). */
  text?: string;
}

/**
 * A horizontal bar chart as a list: readable by a screen reader as label and value, drawn with CSS widths.
 * Our own, a few lines: a chart library would outweigh the rest of the app for these few charts.
 */
export function Bars({ title, rows }: { title: string; rows: Row[] }) {
  const max = Math.max(1, ...rows.map((r) => r.value));
  return (
    <figure className="bars">
      <figcaption>{title}</figcaption>
      {rows.length === 0 ? (
        <p className="muted">Nothing yet.</p>
      ) : (
        <dl>
          {rows.map((row) => (
            <div key={row.label} className="bar-row">
              <dt>{row.label}</dt>
              <dd>
                <span className="bar" style={{ width: `${(row.value / max) * 100}%` }} aria-hidden="true" />
                <span>{row.text ?? row.value}</span>
              </dd>
            </div>
          ))}
        </dl>
      )}
    </figure>
  );
}
