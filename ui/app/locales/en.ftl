# iDance Capture: English, the source catalogue. Every message here must be in every
# other catalogue with the same placeables (ui/tests/catalogues.test.js checks).
# Syntax: https://projectfluent.org/fluent/guide/

## The window's frame

tabs-nav =
    .aria-label = Sections
tab-record = Record
tab-queue = Uploads
tab-sessions = Sessions
tab-settings = Settings
connection-starting = Starting…
connection-offline = Offline
connection-built-in = Built-in service
connection-online = Online
offline-banner = You are offline { $since }. Uploads are waiting and will continue by themselves when the connection is back.
offline-since-time = since { $when }
offline-since-date = since { $when }
notice-dismiss = ×
    .aria-label = Dismiss this message
untitled = Untitled session
show-more = Show { $count } more of { $total }
cancel = Cancel
delete = Delete
drop-overlay = Drop videos to upload

## What the app tells the instructor (also as desktop notifications)

notice-session_online = { $title } is online.
notice-mic_silent = The microphone has heard nothing for 10 seconds. Check that it is plugged in, switched on and not muted; the recording goes on.
notice-review_saved = Recording saved for review: it waits in Uploads. Trim… cuts its start and end; Resume uploads it as it is.
file-queued = { $name } queued
file-not-added = { $name } was not added: { $reason }
action-failed = { $name }: { $reason }
unfinished = A recording did not finish ({ $name }). It is kept and plays up to where it stopped.
recover = Recover and upload
    .aria-label = Recover and upload { $name }
recovered = { $name } recovered and queued
recover-failed = { $name }: { $reason }

## Record

preview-image =
    .alt = Preview of what is being recorded
preview-empty = Choose a screen or a camera to see what will be recorded.
rec-title-label = Session title
rec-title =
    .placeholder = e.g. Salsa basics, week 3
rec-screen-label = Screen
rec-camera-label = Camera
rec-mic-label = Microphone
device-none = None
rec-time = Time
rec-paused-at = Paused at
rec-size = Size
rec-video = Video
rec-quality-wrap =
    .title = Online fast: the video's bitrate follows what your connection can upload, so the class is online seconds after Stop
video-quality = Online fast · { $speed }
rec-audio = Audio
rec-level = { $db } dB
rec-record = Record
rec-stop = Stop
rec-start-now = Start now
rec-stopping = Stopping…
rec-saving = Saving…
rec-pause = Pause
rec-resume = Resume
rec-choose-source = Choose a screen or a camera to record.
rec-mic-silent = The microphone has heard nothing for 10 seconds. Check that it is plugged in, switched on and not muted — the recording goes on.
rec-hint = Stopping queues the recording with its thumbnail; it uploads by itself.
space-under-minute = less than a minute of recording space left
space-minutes = about { $minutes } min of recording space left
space-hours = about { $hours } h of recording space left
room = { $space } · Encoder: { $encoder }
room-encoder = Encoder: { $encoder }
room-low = Only { $space } on this disk: free some space before a long class. Encoder: { $encoder }.

## What a recording's status says, by kind ($detail: ffmpeg's own line)

record-device_busy = A capture device is in use by another program: close it and try again. ({ $detail })
record-permission_denied = Permission to use a capture device was denied: allow screen, camera and microphone access in the system settings. ({ $detail })
record-disk_full = The disk is full: recording stopped; what was recorded so far is kept. ({ $detail })
record-no_display = The screen cannot be opened for capture (no display available). ({ $detail })
record-device_missing = A capture device was not found: is it plugged in? ({ $detail })
record-device_io = A capture device stopped responding. ({ $detail })
record-sound_refused = The sound server refused the microphone connection. ({ $detail })
record-stopped_unexpectedly = The recorder stopped unexpectedly. What was recorded so far is kept. ({ $detail })
record-failed = The recording failed: { $detail }
record-disk_almost_full = The disk is almost full ({ $free } free): the recording was stopped and is kept. Free some space before recording again.

## Uploads

drop-here = Drop video files here
drop-anywhere = (anywhere on the window) or
pick-files = Choose files…
drop-target-label = Add to
drop-target-new = a new session for each file
pause-all = Pause all
resume-all = Resume all
queue-list =
    .aria-label = Uploads
queue-empty = Nothing to upload yet. Record a session or drop videos here.
summary-active = { $count } to upload
summary-paused = { $count } paused
summary-failed = { $count } failed
summary-done = { $count } done
job-queued = Queued
job-uploading = Uploading
job-paused = Paused
job-failed = Failed
job-cancelled = Cancelled
job-uploaded = Finishing
job-completed = Done
job-optimizing = Optimizing { $percent }
wait-network = Waiting for network
wait-sign_in = Sign in again
wait-storage = Waiting for storage
wait-clock = Check the clock
eta = { $time } left
eta-now = less than a second left
job-action-pause = Pause
    .aria-label = Pause { $name }
job-action-resume = Resume
    .aria-label = Resume { $name }
job-action-retry = Retry
    .aria-label = Retry { $name }
job-action-cancel = Cancel
    .aria-label = Cancel { $name }
job-action-trim = Trim…
    .aria-label = Trim { $name }

## Trim

trim-title = Trim { $name }
trim-hint = Cut the minutes before and after the class. The cut is a new file that takes this video's place in the queue; the original stays on your computer.
trim-strip =
    .alt = Frames across the video
trim-start = Start
trim-end = End
trim-keeps = Keeps { $kept } of { $total }.
trim-cut = Cut
trim-cutting = Cutting…

## Sessions

session-list =
    .aria-label = Sessions
sessions-empty = No sessions yet.
session-online = Online
session-uploading = Uploading
session-waiting = Waiting for network
session-failed = Needs attention
session-paused = Paused
session-cancelled = Cancelled
session-empty = No video
session-elsewhere = Being sent from another computer
session-other-computer = uploaded from another computer
session-play = Play
    .aria-label = Play { $title }
session-rename = Rename
    .aria-label = Rename { $title }
session-delete = Delete
    .aria-label = Delete { $title }
rename-input =
    .aria-label = New title for { $title }
rename-save = Save
rename-empty = A title cannot be empty.
play-failed = { $title } could not be played: { $reason }
calories = { $kcal } kcal
calories-label = Calories burned
calories-input =
    .placeholder = optional
calories-save = Save
    .aria-label = Save the calories of { $title }
calories-invalid = Enter a number of kcal, or leave it empty.
calories-none = No calories will be sent.
calories-saved = Saved; sent when the session is completed.
video-link = Get video link
    .aria-label = Get a link to the video of { $title }
video-link-field =
    .aria-label = Link to the video of { $title }
delete-title = Delete “{ $title }”?
delete-text-online = Its video and thumbnail are removed from iDance, for every computer. The video file on this computer, if any, stays where it is. This cannot be undone.
delete-text-local = It has not been uploaded; it leaves this computer's list. The video file on this computer, if any, stays where it is. This cannot be undone.
library-local-only = This server keeps no library: these are the sessions of this computer.
library-offline = Offline: showing this computer's sessions.
library-offline-since = Offline: showing your library as of { $when }.

## The player window

player-video =
    .aria-label = Session video
player-error = The video could not be played: check the connection, then open it again.

## Settings

set-where = Where uploads go
set-embedded = This computer
set-embedded-more = the built-in upload service, no account needed
set-remote = iDance server
set-remote-more = your iDance account
set-direct = My own bucket
set-direct-more = straight to your S3-compatible storage
set-url = Server address
signed-in-as = Signed in as
sign-out = Sign out
sign-email = Email
sign-password = Password
sign-in = Sign in
token-path = Use a sign-in token instead
set-token = Sign-in token
set-token-input =
    .placeholder = paste your sign-in token
token-saved = A token is saved; paste a new one to replace it.
token-none = No token saved yet.
set-bucket = Bucket
set-region = Region
set-endpoint = Endpoint (not AWS)
set-access = Access key id
set-secret = Secret access key
secret-saved = A secret key is saved; type a new one to replace it.
secret-none = No secret key saved yet.
set-this-computer = This computer
set-language = Language
language-system = As the system
set-autostart = Start iDance Capture when I log in
set-autostart-more = it waits in the tray and uploads what is queued, with no window
autostart-on = iDance Capture will start in the tray when you log in.
autostart-off = iDance Capture will not start when you log in.
set-recordings = Recordings
set-countdown = Count down 3 seconds before recording
set-countdown-more = press Record again to start at once, Escape to call it off
set-shortcut = Record/Stop shortcut, from any program
set-review = Review recordings before upload
set-review-more = a stopped recording waits, paused, in Uploads so you can trim its start and end; otherwise it uploads while you record
set-quality-first = Quality first
set-quality-first-more = the video is recorded at full quality; on a slow connection the upload finishes a while after Stop
set-online-fast = Online fast
set-online-fast-more = when your connection cannot keep up while you record, the video's bitrate is lowered to what it can carry (never under 1.5 Mbit/s), so the class is online seconds after Stop
set-compress = Compress before upload
set-compress-off = Off
set-compress-off-more = every video goes up as it is
set-compress-auto = Automatic
set-compress-auto-more = videos far above what a class needs (a phone's 4K, over 8 Mbit/s at 1080p) are made smaller first, while they upload
set-compress-always = Always
set-compress-always-more = every video above about 4 Mbit/s at 1080p
set-compress-hint = The original stays on your computer; a video that cannot be made smaller goes up as it is.
set-bandwidth = Bandwidth
set-limit = Upload limit, MB/s (empty: no limit)
set-updates = Updates
update-about = iDance Capture { $version } checks for updates when it starts and every 6 hours; an update never installs while you record or upload.
check-update = Check for updates
set-save = Save
set-secrets-hint = Your sign-in, tokens and keys are kept in your system's keychain (without one, in a file only you can read), never in the settings file.
connecting = Connecting…
saved = Saved. Uploads continue with these settings.
signing-in = Signing in…
signed-in = Signed in. Uploads go to { $server }.
signed-out = Signed out. Uploads to this server wait until you sign in again.

## Updates

update-checking = Checking…
update-none = iDance Capture is up to date.
update-notes = What's new: { $notes }
update-available = iDance Capture { $version } is available and downloading.
update-downloading = iDance Capture { $version } is downloading.
update-downloading-percent = iDance Capture { $version } is downloading ({ $percent }).
update-waiting = iDance Capture { $version } is downloaded and checked. { $reason ->
        [recording] It installs when the recording ends.
       *[uploading] It installs when the uploads in progress finish.
    }
update-not_installable = iDance Capture { $version } was downloaded and checked, but this copy cannot update itself: install the new version from iDance's website.
update-installed = iDance Capture { $version } is installed: it runs the next time the app starts.
update-failed-signature = The update { $version } was refused: its signature does not match iDance's key, so it may have been tampered with. Nothing was installed.
update-failed-download = The update { $version } could not be downloaded ({ $detail }); it is tried again later.
update-failed-install = The update { $version } could not be installed ({ $detail }); this version keeps running.
update-check-failed = Could not check for updates ({ $detail }). Check your connection; the app checks again by itself.

## Errors the app sends by kind ($detail: the app's own words, for what it alone knows)

error-recording_running = A recording is already running.
error-recording_saving = The last recording is still being saved; start again in a moment.
error-not_recording = No recording is running.
error-unreachable = Cannot reach the server. Check its address and your connection, then try again.
error-no_library = This server keeps no library.
error-wrong_password = Wrong email or password.
error-account_disabled = This account is switched off. Ask the person who runs your iDance server.
error-no_accounts = This server has no sign-in with email and password: paste a sign-in token below instead.
error-not_video = not a readable video ({ $detail })
error-unreadable = it cannot be read ({ $detail })
error-probe_timeout = reading it took too long; try again
error-no_ffmpeg = ffmpeg is missing: reinstall iDance Capture
error-file_gone = this file is no longer available: drop it again
