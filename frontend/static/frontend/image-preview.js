/* A photo chosen in <input type="file" data-preview="ID"> is shown in the element ID before
   it is uploaded. Read as a data: URL, which the CSP's img-src allows (blob: it does not). */
"use strict";
document.addEventListener("change", (event) => {
  const input = event.target;
  if (!(input instanceof HTMLInputElement) || !input.dataset.preview) return;
  const preview = document.getElementById(input.dataset.preview);
  if (!preview) return;
  preview.replaceChildren();
  const file = input.files && input.files[0];
  if (!file || !file.type.startsWith("image/")) return;
  const reader = new FileReader();
  reader.addEventListener("load", () => {
    const image = document.createElement("img");
    image.src = reader.result;
    image.alt = file.name;
    preview.replaceChildren(image);
  });
  reader.readAsDataURL(file);
});
