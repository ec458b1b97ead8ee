// Scan a document's QR code with the device camera, put its text in the form and verify it.
// Uses the browser's BarcodeDetector where there is one, else the vendored jsQR decoder.
(function () {
  "use strict";
  var button = document.getElementById("scan");
  var video = document.getElementById("scanner");
  var text = document.getElementById("text");
  if (!button || !video || !text || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    return;
  }
  button.hidden = false;
  var base = button.getAttribute("data-base") || "";

  function decoder() {
    if ("BarcodeDetector" in window) {
      var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      return Promise.resolve(function (source) {
        return detector.detect(source).then(function (found) {
          return found.length ? found[0].rawValue : null;
        });
      });
    }
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = base + "/static/jsQR.js";
      script.onload = function () {
        var canvas = document.createElement("canvas");
        var context = canvas.getContext("2d", { willReadFrequently: true });
        resolve(function (source) {
          canvas.width = source.videoWidth;
          canvas.height = source.videoHeight;
          if (!canvas.width) { return Promise.resolve(null); }
          context.drawImage(source, 0, 0);
          var image = context.getImageData(0, 0, canvas.width, canvas.height);
          var code = window.jsQR(image.data, image.width, image.height);
          return Promise.resolve(code ? code.data : null);
        });
      };
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  button.addEventListener("click", function () {
    button.disabled = true;
    Promise.all([
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }),
      decoder(),
    ]).then(function (ready) {
      var stream = ready[0];
      var read = ready[1];
      video.srcObject = stream;
      video.hidden = false;
      video.play();
      function stop() {
        stream.getTracks().forEach(function (t) { t.stop(); });
        video.hidden = true;
        button.disabled = false;
      }
      function look() {
        read(video).then(function (found) {
          if (found) {
            stop();
            text.value = found;
            text.form.requestSubmit();
          } else {
            window.setTimeout(look, 200);
          }
        }, function () { window.setTimeout(look, 400); });
      }
      look();
    }, function () {
      button.disabled = false;
    });
  });
})();
