import { ARMS, type ArmId } from "../../core/robots.ts";

/** A labelled picker of every arm definition the studio knows. */
export function ArmSelect({
  value,
  onChange,
  label,
  ariaLabel,
}: {
  value: ArmId;
  onChange: (arm: ArmId) => void;
  label: string;
  ariaLabel: string;
}) {
  return (
    <label>
      {label}{" "}
      <select value={value} onChange={(e) => onChange(e.target.value as ArmId)} aria-label={ariaLabel}>
        {Object.values(ARMS).map((a) => (
          <option key={a.id} value={a.id}>
            {a.label}
          </option>
        ))}
      </select>
    </label>
  );
}
