# iDance Capture: español. Cada mensaje del catálogo de origen (en.ftl) debe estar aquí
# con los mismos marcadores (ui/tests/catalogues.test.js lo comprueba).
# Sintaxis: https://projectfluent.org/fluent/guide/

## El marco de la ventana

tabs-nav =
    .aria-label = Secciones
tab-record = Grabar
tab-queue = Subidas
tab-sessions = Sesiones
tab-settings = Ajustes
connection-starting = Iniciando…
connection-offline = Sin conexión
connection-built-in = Servicio integrado
connection-online = En línea
offline-banner = Estás sin conexión { $since }. Las subidas esperan y se reanudarán solas cuando vuelva la conexión.
offline-since-time = desde { $when }
offline-since-date = desde { $when }
notice-dismiss = ×
    .aria-label = Descartar este mensaje
untitled = Sesión sin título
show-more = Mostrar { $count } más de { $total }
cancel = Cancelar
delete = Eliminar
drop-overlay = Suelta videos para subirlos

## Lo que la app le dice al instructor (también como notificaciones del escritorio)

notice-session_online = { $title } ya está en línea.
notice-mic_silent = El micrófono no ha captado nada en 10 segundos. Comprueba que esté conectado, encendido y sin silenciar; la grabación continúa.
notice-review_saved = Grabación guardada para revisar: espera en Subidas. Recortar… corta su inicio y su final; Reanudar la sube tal como está.
file-queued = { $name } en cola
file-not-added = No se agregó { $name }: { $reason }
action-failed = { $name }: { $reason }
unfinished = Una grabación no terminó ({ $name }). Se conserva y se reproduce hasta donde se detuvo.
recover = Recuperar y subir
    .aria-label = Recuperar y subir { $name }
recovered = { $name } se recuperó y está en cola
recover-failed = { $name }: { $reason }

## Grabar

preview-image =
    .alt = Vista previa de lo que se está grabando
preview-empty = Elige una pantalla o una cámara para ver lo que se grabará.
rec-title-label = Título de la sesión
rec-title =
    .placeholder = p. ej., Salsa básica, semana 3
rec-screen-label = Pantalla
rec-camera-label = Cámara
rec-mic-label = Micrófono
device-none = Ninguno
rec-time = Tiempo
rec-paused-at = En pausa en
rec-size = Tamaño
rec-video = Video
rec-quality-wrap =
    .title = En línea rápido: la tasa de bits del video se ajusta a lo que tu conexión puede subir, así la clase está en línea segundos después de Detener
video-quality = En línea rápido · { $speed }
rec-audio = Audio
rec-level = { $db } dB
rec-record = Grabar
rec-stop = Detener
rec-start-now = Empezar ya
rec-stopping = Deteniendo…
rec-saving = Guardando…
rec-pause = Pausar
rec-resume = Reanudar
rec-choose-source = Elige una pantalla o una cámara para grabar.
rec-mic-silent = El micrófono no ha captado nada en 10 segundos. Comprueba que esté conectado, encendido y sin silenciar — la grabación continúa.
rec-hint = Al detenerla, la grabación pasa a la cola con su miniatura; se sube sola.
space-under-minute = queda espacio para menos de un minuto de grabación
space-minutes = { $minutes ->
        [one] queda espacio para cerca de { $minutes } minuto de grabación
       *[other] queda espacio para unos { $minutes } minutos de grabación
    }
space-hours = { $hours ->
        [one] queda espacio para cerca de { $hours } hora de grabación
       *[other] queda espacio para unas { $hours } horas de grabación
    }
room = { $space } · Codificador: { $encoder }
room-encoder = Codificador: { $encoder }
room-low = Espacio libre en este disco: solo { $space }. Libera espacio antes de una clase larga. Codificador: { $encoder }.

## Lo que dice el estado de una grabación, según el tipo ($detail: la línea del propio ffmpeg)

record-device_busy = Otro programa está usando un dispositivo de captura: ciérralo e inténtalo de nuevo. ({ $detail })
record-permission_denied = Se denegó el permiso para usar un dispositivo de captura: permite el acceso a la pantalla, la cámara y el micrófono en la configuración del sistema. ({ $detail })
record-disk_full = El disco está lleno: la grabación se detuvo; lo grabado hasta ahora se conserva. ({ $detail })
record-no_display = No se puede abrir la pantalla para capturarla (no hay ninguna pantalla disponible). ({ $detail })
record-device_missing = No se encontró un dispositivo de captura: ¿está conectado? ({ $detail })
record-device_io = Un dispositivo de captura dejó de responder. ({ $detail })
record-sound_refused = El servidor de sonido rechazó la conexión del micrófono. ({ $detail })
record-stopped_unexpectedly = La grabadora se detuvo de forma inesperada. Lo grabado hasta ahora se conserva. ({ $detail })
record-failed = La grabación falló: { $detail }
record-disk_almost_full = El disco está casi lleno (espacio libre: { $free }): la grabación se detuvo y se conserva. Libera espacio antes de volver a grabar.

## Subidas

drop-here = Suelta aquí los archivos de video
drop-anywhere = (en cualquier parte de la ventana) o
pick-files = Elegir archivos…
drop-target-label = Agregar a
drop-target-new = una sesión nueva por cada archivo
pause-all = Pausar todo
resume-all = Reanudar todo
queue-list =
    .aria-label = Subidas
queue-empty = Aún no hay nada que subir. Graba una sesión o suelta videos aquí.
summary-active = { $count } por subir
summary-paused = { $count ->
        [one] { $count } pausado
       *[other] { $count } pausados
    }
summary-failed = { $count ->
        [one] { $count } fallido
       *[other] { $count } fallidos
    }
summary-done = { $count ->
        [one] { $count } completado
       *[other] { $count } completados
    }
job-queued = En cola
job-uploading = Subiendo
job-paused = En pausa
job-failed = Falló
job-cancelled = Cancelado
job-uploaded = Finalizando
job-completed = Listo
job-optimizing = Optimizando { $percent }
wait-network = Esperando la red
wait-sign_in = Vuelve a iniciar sesión
wait-storage = Esperando el almacenamiento
wait-clock = Revisa el reloj
eta = { $time } para terminar
eta-now = falta menos de un segundo
job-action-pause = Pausar
    .aria-label = Pausar { $name }
job-action-resume = Reanudar
    .aria-label = Reanudar { $name }
job-action-retry = Reintentar
    .aria-label = Reintentar { $name }
job-action-cancel = Cancelar
    .aria-label = Cancelar { $name }
job-action-trim = Recortar…
    .aria-label = Recortar { $name }

## Recortar

trim-title = Recortar { $name }
trim-hint = Corta los minutos de antes y después de la clase. El corte es un archivo nuevo que ocupa el lugar de este video en la cola; el original se queda en tu computadora.
trim-strip =
    .alt = Fotogramas a lo largo del video
trim-start = Inicio
trim-end = Fin
trim-keeps = Conserva { $kept } de { $total }.
trim-cut = Cortar
trim-cutting = Cortando…

## Sesiones

session-list =
    .aria-label = Sesiones
sessions-empty = Aún no hay sesiones.
session-online = En línea
session-uploading = Subiendo
session-waiting = Esperando la red
session-failed = Requiere atención
session-paused = En pausa
session-cancelled = Cancelada
session-empty = Sin video
session-elsewhere = Se está enviando desde otra computadora
session-other-computer = subida desde otra computadora
session-play = Reproducir
    .aria-label = Reproducir { $title }
session-rename = Renombrar
    .aria-label = Renombrar { $title }
session-delete = Eliminar
    .aria-label = Eliminar { $title }
rename-input =
    .aria-label = Nuevo título para { $title }
rename-save = Guardar
rename-empty = El título no puede estar vacío.
play-failed = No se pudo reproducir { $title }: { $reason }
calories = { $kcal } kcal
calories-label = Calorías quemadas
calories-input =
    .placeholder = opcional
calories-save = Guardar
    .aria-label = Guardar las calorías de { $title }
calories-invalid = Escribe un número de kcal o déjalo vacío.
calories-none = No se enviarán calorías.
calories-saved = Guardado; se envía cuando la sesión se complete.
video-link = Obtener enlace del video
    .aria-label = Obtener un enlace al video de { $title }
video-link-field =
    .aria-label = Enlace al video de { $title }
delete-title = ¿Eliminar “{ $title }”?
delete-text-online = Su video y su miniatura se eliminan de iDance, en todas las computadoras. El archivo de video en esta computadora, si lo hay, se queda donde está. Esto no se puede deshacer.
delete-text-local = No se ha subido; sale de la lista de esta computadora. El archivo de video en esta computadora, si lo hay, se queda donde está. Esto no se puede deshacer.
library-local-only = Este servidor no guarda una biblioteca: estas son las sesiones de esta computadora.
library-offline = Sin conexión: se muestran las sesiones de esta computadora.
library-offline-since = Sin conexión: se muestra tu biblioteca tal como estaba el { $when }.

## Ajustes

set-where = Adónde van las subidas
set-embedded = Esta computadora
set-embedded-more = el servicio de subida integrado, sin necesidad de cuenta
set-remote = Servidor iDance
set-remote-more = tu cuenta de iDance
set-direct = Mi propio bucket
set-direct-more = directo a tu almacenamiento compatible con S3
set-url = Dirección del servidor
signed-in-as = Sesión iniciada como
sign-out = Cerrar sesión
sign-email = Correo electrónico
sign-password = Contraseña
sign-in = Iniciar sesión
token-path = Usar un token de inicio de sesión en su lugar
set-token = Token de inicio de sesión
set-token-input =
    .placeholder = pega tu token de inicio de sesión
token-saved = Hay un token guardado; pega uno nuevo para reemplazarlo.
token-none = Aún no hay ningún token guardado.
set-bucket = Bucket
set-region = Región
set-endpoint = Endpoint (no AWS)
set-access = ID de clave de acceso
set-secret = Clave de acceso secreta
secret-saved = Hay una clave secreta guardada; escribe una nueva para reemplazarla.
secret-none = Aún no hay ninguna clave secreta guardada.
set-this-computer = Esta computadora
set-language = Idioma
language-system = Igual que el sistema
set-autostart = Abrir iDance Capture al iniciar sesión
set-autostart-more = espera en la bandeja del sistema y sube lo que esté en cola, sin ventana
autostart-on = iDance Capture se iniciará en la bandeja cuando inicies sesión.
autostart-off = iDance Capture no se iniciará cuando inicies sesión.
set-recordings = Grabaciones
set-countdown = Cuenta regresiva de 3 segundos antes de grabar
set-countdown-more = presiona Grabar otra vez para empezar de inmediato, o Esc para cancelar
set-shortcut = Atajo para Grabar/Detener, desde cualquier programa
set-review = Revisar las grabaciones antes de subirlas
set-review-more = una grabación detenida espera, en pausa, en Subidas para que puedas recortar su inicio y su final; si no, se sube mientras grabas
set-quality-first = Primero la calidad
set-quality-first-more = el video se graba con la máxima calidad; con una conexión lenta, la subida termina un rato después de Detener
set-online-fast = En línea rápido
set-online-fast-more = si tu conexión no da abasto mientras grabas, la tasa de bits del video se reduce a lo que puede transmitir (nunca por debajo de 1,5 Mbit/s), así la clase está en línea segundos después de Detener
set-compress = Comprimir antes de subir
set-compress-off = Desactivado
set-compress-off-more = cada video se sube tal como está
set-compress-auto = Automático
set-compress-auto-more = los videos muy por encima de lo que necesita una clase (el 4K de un teléfono, más de 8 Mbit/s a 1080p) se reducen primero, mientras se suben
set-compress-always = Siempre
set-compress-always-more = cada video por encima de unos 4 Mbit/s a 1080p
set-compress-hint = El original se queda en tu computadora; un video que no se puede reducir se sube tal como está.
set-bandwidth = Ancho de banda
set-limit = Límite de subida, MB/s (vacío: sin límite)
set-updates = Actualizaciones
update-about = iDance Capture { $version } busca actualizaciones al iniciarse y cada 6 horas; una actualización nunca se instala mientras grabas o subes.
check-update = Buscar actualizaciones
set-save = Guardar
set-secrets-hint = Tu inicio de sesión, tus tokens y tus claves se guardan en el llavero del sistema (si no hay uno, en un archivo que solo tú puedes leer), nunca en el archivo de configuración.
connecting = Conectando…
saved = Guardado. Las subidas continúan con esta configuración.
signing-in = Iniciando sesión…
signed-in = Sesión iniciada. Las subidas van a { $server }.
signed-out = Sesión cerrada. Las subidas a este servidor esperan hasta que vuelvas a iniciar sesión.

## Actualizaciones

update-checking = Buscando…
update-none = iDance Capture está actualizado.
update-notes = Novedades: { $notes }
update-available = iDance Capture { $version } está disponible y se está descargando.
update-downloading = Se está descargando iDance Capture { $version }.
update-downloading-percent = Se está descargando iDance Capture { $version } ({ $percent }).
update-waiting = iDance Capture { $version } se descargó y se verificó. { $reason ->
        [recording] Se instalará cuando termine la grabación.
       *[uploading] Se instalará cuando terminen las subidas en curso.
    }
update-not_installable = iDance Capture { $version } se descargó y se verificó, pero esta copia no puede actualizarse sola: instala la nueva versión desde el sitio web de iDance.
update-installed = iDance Capture { $version } está instalado: se ejecutará la próxima vez que se inicie la app.
update-failed-signature = Se rechazó la actualización { $version }: su firma no coincide con la clave de iDance, así que podría haber sido manipulada. No se instaló nada.
update-failed-download = No se pudo descargar la actualización { $version } ({ $detail }); se volverá a intentar más tarde.
update-failed-install = No se pudo instalar la actualización { $version } ({ $detail }); esta versión sigue funcionando.
update-check-failed = No se pudo buscar actualizaciones ({ $detail }). Revisa tu conexión; la app volverá a buscar por sí sola.

## Errores que la app envía según el tipo ($detail: las palabras de la propia app, para lo que solo ella sabe)

error-recording_running = Ya hay una grabación en curso.
error-recording_saving = La última grabación aún se está guardando; vuelve a empezar en un momento.
error-not_recording = No hay ninguna grabación en curso.
error-unreachable = No se puede conectar con el servidor. Revisa su dirección y tu conexión, y vuelve a intentarlo.
error-no_library = Este servidor no guarda una biblioteca.
error-wrong_password = Correo o contraseña incorrectos.
error-account_disabled = Esta cuenta está desactivada. Pregunta a quien administra tu servidor iDance.
error-no_accounts = Este servidor no permite iniciar sesión con correo y contraseña: pega abajo un token de inicio de sesión.
error-not_video = no es un video legible ({ $detail })
error-unreadable = no se puede leer ({ $detail })
error-probe_timeout = leerlo tardó demasiado; inténtalo de nuevo
error-no_ffmpeg = falta ffmpeg: reinstala iDance Capture
error-file_gone = este archivo ya no está disponible: vuelve a soltarlo

## La ventana del reproductor

player-video =
    .aria-label = Video de la sesión
player-error = No se pudo reproducir el video: revisa la conexión y vuelve a abrirlo.
