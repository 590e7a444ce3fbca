/* The printable slip, opened with ?print=1 by a kiosk without a thermal printer: print it once
 * loaded. A file of its own because pages carry no inline script. ES5. */
(function () {
  "use strict";
  window.onload = function () { window.print(); };
})();
