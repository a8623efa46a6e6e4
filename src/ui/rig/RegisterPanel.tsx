import { useState } from "react";
import type { BusEntry } from "../../state/index.ts";
import { useRig } from "../StudioContext.tsx";
import { messageOf } from "../../core/messages.ts";

/** Read or write one register of one motor, by name — for checking wiring and settings. */
export function RegisterPanel({ bus }: { bus: BusEntry }) {
  const readRegister = useRig((s) => s.readRegister);
  const writeRegister = useRig((s) => s.writeRegister);
  const [id, setId] = useState<number>(bus.motors[0]?.id ?? 1);
  const [name, setName] = useState("Present_Position");
  const [value, setValue] = useState("");
  const [result, setResult] = useState<{ ok: boolean; text: string } | undefined>();
  const reg = bus.info.registers.find((r) => r.name === name);

  const run = async (kind: "read" | "write") => {
    setResult(undefined);
    try {
      if (kind === "read") {
        const v = await readRegister(bus.key, id, name);
        setResult({ ok: true, text: `${name} of motor ${id} = ${v}` });
        setValue(String(v));
      } else {
        const v = Number(value);
        if (value.trim() === "" || !Number.isInteger(v)) {
          setResult({ ok: false, text: "Enter a whole number to write." });
          return;
        }
        await writeRegister(bus.key, id, name, v);
        setResult({ ok: true, text: `Wrote ${name} = ${v} to motor ${id}.` });
      }
    } catch (e) {
      setResult({ ok: false, text: messageOf(e) });
    }
  };

  return (
    <div className="register-panel" data-testid={`registers-${bus.key}`}>
      <label>
        Motor{" "}
        <select aria-label="Motor id" value={id} onChange={(e) => setId(Number(e.target.value))}>
          {(bus.motors.length > 0 ? bus.motors.map((m) => m.id) : [1, 2, 3, 4, 5, 6]).map((m) => (
            <option key={m} value={m}>
              {m}
            </option>
          ))}
        </select>
      </label>
      <label>
        Register{" "}
        <select aria-label="Register" value={name} onChange={(e) => setName(e.target.value)}>
          {bus.info.registers.map((r) => (
            <option key={r.name} value={r.name}>
              {r.name} @{r.address}
            </option>
          ))}
        </select>
      </label>
      <input aria-label="Value" className="num" value={value} onChange={(e) => setValue(e.target.value)} size={8} />
      <button type="button" onClick={() => void run("read")} disabled={bus.status !== "connected"}>
        Read
      </button>
      <button type="button" onClick={() => void run("write")} disabled={bus.status !== "connected" || reg?.access === "r"}>
        Write
      </button>
      {reg && (
        <span className="muted">
          {reg.size} byte{reg.size > 1 ? "s" : ""}, {reg.area === "eeprom" ? "EEPROM" : "RAM"}
          {reg.access === "r" ? ", read-only" : ""} — {reg.doc}
        </span>
      )}
      {result && (
        <div className={result.ok ? "ok" : "bad"} data-testid="register-result" role="status">
          {result.text}
        </div>
      )}
    </div>
  );
}
