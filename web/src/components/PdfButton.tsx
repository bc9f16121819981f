import { useApp } from "../context";
import { ActionButton } from "./ActionButton";

type Printed = { record: { kind: "leads" | "customers" | "deals"; id: string } } | { days: number };

/** Prints a record's summary, or the dashboard of the last `days` days, as a PDF the browser downloads. */
export function PdfButton(props: Printed) {
  const { api } = useApp();
  const print = async () => {
    const made =
      "record" in props
        ? await api.POST("/api/v1/{kind}/{id}/pdf", { params: { path: props.record } })
        : await api.POST("/api/v1/dashboard/pdf", { params: { query: { days: props.days } } });
    if (!made.data) throw made.error;
    window.location.assign(made.data.url);
  };
  return <ActionButton label="PDF" working="Preparing PDF…" action={print} />;
}
