import { useDirectory } from "../directory";

/** Records of one owner, or anyone's: the API's `owner_id` filter, by name. */
export function OwnerFilter({ value, onChange }: { value: string | undefined; onChange: (owner: string) => void }) {
  const people = useDirectory();
  return (
    <label>
      Owner
      <select value={value ?? ""} onChange={(e) => onChange(e.target.value)}>
        <option value="">Anyone</option>
        {[...(people.data ?? [])].map(([id, name]) => (
          <option key={id} value={id}>
            {name}
          </option>
        ))}
      </select>
    </label>
  );
}
