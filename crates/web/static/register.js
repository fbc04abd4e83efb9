// The register page: mark everyone not yet marked present, note when a pupil is marked late
// (so minutes late come from the moment the teacher saw them), and let a code chosen from the
// "Other" list replace the tapped mark.
(function () {
  "use strict";
  const form = document.getElementById("register");
  if (!form) return;
  const now = () => {
    const d = new Date();
    return String(d.getHours()).padStart(2, "0") + ":" + String(d.getMinutes()).padStart(2, "0");
  };
  form.addEventListener("change", (event) => {
    const input = event.target;
    const row = input.closest("li.pupil");
    if (!row) return;
    const key = row.dataset.pupil;
    if (input.type === "radio") {
      const other = row.querySelector("select[name='other_" + key + "']");
      if (other) other.value = "";
      const lateAt = row.querySelector("input[name='late_at_" + key + "']");
      if (lateAt) lateAt.value = input.value === "late" ? now() : "";
    } else if (input.tagName === "SELECT" && input.value !== "") {
      row.querySelectorAll("input[type=radio]").forEach((radio) => { radio.checked = false; });
    }
  });
  const all = document.getElementById("all-present");
  if (all) {
    all.addEventListener("click", () => {
      form.querySelectorAll("li.pupil").forEach((row) => {
        const key = row.dataset.pupil;
        const chosen = row.querySelector("input[type=radio]:checked");
        const other = row.querySelector("select[name='other_" + key + "']");
        if (!chosen && !(other && other.value)) {
          const present = row.querySelector("input[value=present]");
          if (present) present.checked = true;
        }
      });
    });
  }
})();
