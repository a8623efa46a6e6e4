import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { PhonePage } from "./PhonePage.tsx";
import "./phone.css";

/** The page a phone (or a second laptop) opens to stream its camera into the studio: phone.html#code=… */
createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <PhonePage />
  </StrictMode>,
);
