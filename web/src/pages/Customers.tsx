import { Link, useSearchParams } from "react-router";
import { useApp } from "../context";
import { summary } from "../api/problem";
import { MoreButton, usePaged } from "../records/paged";
import { OwnerFilter } from "../components/OwnerFilter";
import { ExportButton } from "../components/ExportButton";
import { ImportButton } from "../components/ImportButton";

const PAGE = 50;

export function Customers() {
  const { api } = useApp();
  const [params, setParams] = useSearchParams();
  const tag = params.get("tag") || undefined;
  const owner = params.get("owner") || undefined;
  const customers = usePaged(["customers", { tag, owner }], async (cursor) => {
    const { data, error } = await api.GET("/api/v1/customers", {
      params: { query: { tag, owner_id: owner, limit: PAGE, cursor } },
    });
    if (!data) throw error;
    return data;
  });
  const filter = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };
  return (
    <section aria-labelledby="customers-heading">
      <div className="toolbar">
        <h1 id="customers-heading">Customers</h1>
        <div className="actions">
          <ImportButton kind="customer" />
          <ExportButton asked={{ kind: "customer", tag, owner_id: owner }} />
          <Link className="button" to="/customers/new">
            New customer
          </Link>
        </div>
      </div>
      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <OwnerFilter value={owner} onChange={(value) => filter("owner", value)} />
        <label>
          Tag
          <input defaultValue={tag ?? ""} onBlur={(e) => filter("tag", e.target.value.trim())} placeholder="any" />
        </label>
      </form>
      {customers.isPending && <p role="status">Loading customers…</p>}
      {customers.isError && <p role="alert">{summary(customers.error)}</p>}
      {customers.isSuccess && customers.rows.length === 0 && <p>No customers yet{tag || owner ? " with these filters" : ""}.</p>}
      {customers.rows.length > 0 && (
        <table className="records">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Company</th>
              <th scope="col">Email</th>
              <th scope="col">Tags</th>
            </tr>
          </thead>
          <tbody>
            {customers.rows.map((customer) => (
              <tr key={customer.id}>
                <td>
                  <Link to={`/customers/${customer.id}`}>{customer.name}</Link>
                </td>
                <td>{customer.company}</td>
                <td>{customer.email}</td>
                <td>{customer.tags?.join(", ")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <MoreButton list={customers} label="More customers" />
    </section>
  );
}
