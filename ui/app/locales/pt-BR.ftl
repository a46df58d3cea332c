# iDance Capture: português do Brasil. Cada mensagem do catálogo de origem (en.ftl) deve
# estar aqui com os mesmos marcadores (ui/tests/catalogues.test.js verifica).
# Sintaxe: https://projectfluent.org/fluent/guide/

## A moldura da janela

tabs-nav =
    .aria-label = Seções
tab-record = Gravar
tab-queue = Envios
tab-sessions = Sessões
tab-settings = Configurações
connection-starting = Iniciando…
connection-offline = Offline
connection-built-in = Serviço integrado
connection-online = Online
offline-banner = Você está offline { $since }. Os envios estão aguardando e vão continuar sozinhos quando a conexão voltar.
offline-since-time = desde { $when }
offline-since-date = desde { $when }
notice-dismiss = ×
    .aria-label = Fechar esta mensagem
untitled = Sessão sem título
show-more = Mostrar mais { $count } de { $total }
cancel = Cancelar
delete = Excluir
drop-overlay = Solte vídeos para enviar

## O que o app diz ao instrutor (também como notificações da área de trabalho)

notice-session_online = { $title } já está online.
notice-mic_silent = O microfone não captou nada nos últimos 10 segundos. Verifique se ele está conectado, ligado e sem mudo; a gravação continua.
notice-review_saved = Gravação salva para revisão: ela aguarda em Envios. Recortar… corta o início e o fim; Retomar envia a gravação como está.
file-queued = { $name } na fila
file-not-added = { $name } não foi adicionado: { $reason }
action-failed = { $name }: { $reason }
unfinished = Uma gravação não terminou ({ $name }). Ela foi mantida e pode ser reproduzida até onde parou.
recover = Recuperar e enviar
    .aria-label = Recuperar e enviar { $name }
recovered = { $name } foi recuperado e está na fila
recover-failed = { $name }: { $reason }

## Gravar

preview-image =
    .alt = Prévia do que está sendo gravado
preview-empty = Escolha uma tela ou uma câmera para ver o que será gravado.
rec-title-label = Título da sessão
rec-title =
    .placeholder = ex.: Salsa básica, semana 3
rec-screen-label = Tela
rec-camera-label = Câmera
rec-mic-label = Microfone
device-none = Nenhum
rec-time = Tempo
rec-paused-at = Pausado em
rec-size = Tamanho
rec-video = Vídeo
rec-quality-wrap =
    .title = Online rápido: a taxa de bits do vídeo acompanha o que sua conexão consegue enviar, então a aula fica online segundos depois de Parar
video-quality = Online rápido · { $speed }
rec-audio = Áudio
rec-level = { $db } dB
rec-record = Gravar
rec-stop = Parar
rec-start-now = Começar agora
rec-stopping = Parando…
rec-saving = Salvando…
rec-pause = Pausar
rec-resume = Retomar
rec-choose-source = Escolha uma tela ou uma câmera para gravar.
rec-mic-silent = O microfone não captou nada nos últimos 10 segundos. Verifique se ele está conectado, ligado e sem mudo — a gravação continua.
rec-hint = Ao parar, a gravação entra na fila com sua miniatura e é enviada automaticamente.
space-under-minute = resta espaço para menos de um minuto de gravação
space-minutes = { $minutes ->
        [one] resta espaço para cerca de { $minutes } minuto de gravação
       *[other] resta espaço para cerca de { $minutes } minutos de gravação
    }
space-hours = { $hours ->
        [one] resta espaço para cerca de { $hours } hora de gravação
       *[other] resta espaço para cerca de { $hours } horas de gravação
    }
room = { $space } · Codificador: { $encoder }
room-encoder = Codificador: { $encoder }
room-low = Espaço livre neste disco: só { $space }. Libere espaço antes de uma aula longa. Codificador: { $encoder }.

## O que o status de uma gravação diz, por tipo ($detail: a linha do próprio ffmpeg)

record-device_busy = Outro programa está usando um dispositivo de captura: feche esse programa e tente de novo. ({ $detail })
record-permission_denied = A permissão para usar um dispositivo de captura foi negada: permita o acesso à tela, à câmera e ao microfone nas configurações do sistema. ({ $detail })
record-disk_full = O disco está cheio: a gravação parou; o que foi gravado até agora foi mantido. ({ $detail })
record-no_display = Não é possível abrir a tela para captura (nenhuma tela disponível). ({ $detail })
record-device_missing = Um dispositivo de captura não foi encontrado: ele está conectado? ({ $detail })
record-device_io = Um dispositivo de captura parou de responder. ({ $detail })
record-sound_refused = O servidor de som recusou a conexão do microfone. ({ $detail })
record-stopped_unexpectedly = O gravador parou inesperadamente. O que foi gravado até agora foi mantido. ({ $detail })
record-failed = A gravação falhou: { $detail }
record-disk_almost_full = O disco está quase cheio (espaço livre: { $free }): a gravação foi parada e mantida. Libere espaço antes de gravar de novo.

## Envios

drop-here = Solte os arquivos de vídeo aqui
drop-anywhere = (em qualquer lugar da janela) ou
pick-files = Escolher arquivos…
drop-target-label = Adicionar a
drop-target-new = uma sessão nova para cada arquivo
pause-all = Pausar tudo
resume-all = Retomar tudo
queue-list =
    .aria-label = Envios
queue-empty = Nada para enviar ainda. Grave uma sessão ou solte vídeos aqui.
summary-active = { $count } para enviar
summary-paused = { $count ->
        [one] { $count } pausado
       *[other] { $count } pausados
    }
summary-failed = { $count ->
        [one] { $count } falhou
       *[other] { $count } falharam
    }
summary-done = { $count ->
        [one] { $count } concluído
       *[other] { $count } concluídos
    }
job-queued = Na fila
job-uploading = Enviando
job-paused = Pausado
job-failed = Falhou
job-cancelled = Cancelado
job-uploaded = Finalizando
job-completed = Concluído
job-optimizing = Otimizando { $percent }
wait-network = Aguardando a rede
wait-sign_in = Entre novamente
wait-storage = Aguardando o armazenamento
wait-clock = Verifique o relógio
eta = { $time } para terminar
eta-now = falta menos de um segundo
job-action-pause = Pausar
    .aria-label = Pausar { $name }
job-action-resume = Retomar
    .aria-label = Retomar { $name }
job-action-retry = Tentar de novo
    .aria-label = Tentar de novo: { $name }
job-action-cancel = Cancelar
    .aria-label = Cancelar { $name }
job-action-trim = Recortar…
    .aria-label = Recortar { $name }

## Recortar

trim-title = Recortar { $name }
trim-hint = Corte os minutos antes e depois da aula. O corte vira um novo arquivo, que toma o lugar deste vídeo na fila; o original continua no seu computador.
trim-strip =
    .alt = Quadros ao longo do vídeo
trim-start = Início
trim-end = Fim
trim-keeps = Mantém { $kept } de { $total }.
trim-cut = Cortar
trim-cutting = Cortando…

## Sessões

session-list =
    .aria-label = Sessões
sessions-empty = Nenhuma sessão ainda.
session-online = Online
session-uploading = Enviando
session-waiting = Aguardando a rede
session-failed = Precisa de atenção
session-paused = Pausada
session-cancelled = Cancelada
session-empty = Sem vídeo
session-elsewhere = Sendo enviada de outro computador
session-other-computer = enviada de outro computador
session-play = Reproduzir
    .aria-label = Reproduzir { $title }
session-rename = Renomear
    .aria-label = Renomear { $title }
session-delete = Excluir
    .aria-label = Excluir { $title }
rename-input =
    .aria-label = Novo título para { $title }
rename-save = Salvar
rename-empty = O título não pode ficar vazio.
play-failed = Não foi possível reproduzir { $title }: { $reason }
calories = { $kcal } kcal
calories-label = Calorias queimadas
calories-input =
    .placeholder = opcional
calories-save = Salvar
    .aria-label = Salvar as calorias de { $title }
calories-invalid = Digite um número de kcal ou deixe em branco.
calories-none = Nenhuma caloria será enviada.
calories-saved = Salvo; será enviado quando a sessão for concluída.
video-link = Obter link do vídeo
    .aria-label = Obter um link para o vídeo de { $title }
video-link-field =
    .aria-label = Link para o vídeo de { $title }
delete-title = Excluir “{ $title }”?
delete-text-online = O vídeo e a miniatura dela são removidos do iDance, em todos os computadores. O arquivo de vídeo neste computador, se houver, continua onde está. Isso não pode ser desfeito.
delete-text-local = Ela não foi enviada; sai da lista deste computador. O arquivo de vídeo neste computador, se houver, continua onde está. Isso não pode ser desfeito.
library-local-only = Este servidor não mantém uma biblioteca: estas são as sessões deste computador.
library-offline = Offline: mostrando as sessões deste computador.
library-offline-since = Offline: mostrando sua biblioteca como estava em { $when }.

## Configurações

set-where = Para onde vão os envios
set-embedded = Este computador
set-embedded-more = o serviço de envio integrado, sem precisar de conta
set-remote = Servidor iDance
set-remote-more = sua conta iDance
set-direct = Meu próprio bucket
set-direct-more = direto para o seu armazenamento compatível com S3
set-url = Endereço do servidor
signed-in-as = Conectado como
sign-out = Sair
sign-email = E-mail
sign-password = Senha
sign-in = Entrar
token-path = Usar um token de acesso em vez disso
set-token = Token de acesso
set-token-input =
    .placeholder = cole seu token de acesso
token-saved = Há um token salvo; cole um novo para substituí-lo.
token-none = Nenhum token salvo ainda.
set-bucket = Bucket
set-region = Região
set-endpoint = Endpoint (não AWS)
set-access = ID da chave de acesso
set-secret = Chave de acesso secreta
secret-saved = Há uma chave secreta salva; digite uma nova para substituí-la.
secret-none = Nenhuma chave secreta salva ainda.
set-this-computer = Este computador
set-language = Idioma
language-system = Igual ao sistema
set-autostart = Abrir o iDance Capture quando eu entrar no sistema
set-autostart-more = ele fica na bandeja do sistema e envia o que estiver na fila, sem janela
autostart-on = O iDance Capture vai iniciar na bandeja quando você entrar no sistema.
autostart-off = O iDance Capture não vai iniciar quando você entrar no sistema.
set-recordings = Gravações
set-countdown = Contagem regressiva de 3 segundos antes de gravar
set-countdown-more = pressione Gravar de novo para começar na hora, ou Esc para cancelar
set-shortcut = Atalho para Gravar/Parar, em qualquer programa
set-review = Revisar gravações antes de enviar
set-review-more = uma gravação parada aguarda, pausada, em Envios para você cortar o início e o fim; caso contrário, ela é enviada enquanto você grava
set-quality-first = Qualidade primeiro
set-quality-first-more = o vídeo é gravado em qualidade máxima; com uma conexão lenta, o envio termina um tempo depois de Parar
set-online-fast = Online rápido
set-online-fast-more = quando sua conexão não consegue acompanhar enquanto você grava, a taxa de bits do vídeo é reduzida ao que ela aguenta (nunca abaixo de 1,5 Mbit/s), então a aula fica online segundos depois de Parar
set-compress = Compactar antes de enviar
set-compress-off = Desativado
set-compress-off-more = todo vídeo é enviado como está
set-compress-auto = Automático
set-compress-auto-more = vídeos muito acima do que uma aula precisa (o 4K de um celular, mais de 8 Mbit/s em 1080p) são reduzidos primeiro, enquanto são enviados
set-compress-always = Sempre
set-compress-always-more = todo vídeo acima de cerca de 4 Mbit/s em 1080p
set-compress-hint = O original continua no seu computador; um vídeo que não pode ser reduzido é enviado como está.
set-bandwidth = Largura de banda
set-limit = Limite de envio, MB/s (vazio: sem limite)
set-updates = Atualizações
update-about = O iDance Capture { $version } procura atualizações ao iniciar e a cada 6 horas; uma atualização nunca é instalada enquanto você grava ou envia.
check-update = Procurar atualizações
set-save = Salvar
set-secrets-hint = Seu login, tokens e chaves ficam guardados no chaveiro do sistema (se não houver um, em um arquivo que só você pode ler), nunca no arquivo de configurações.
connecting = Conectando…
saved = Salvo. Os envios continuam com estas configurações.
signing-in = Entrando…
signed-in = Conectado. Os envios vão para { $server }.
signed-out = Você saiu. Os envios para este servidor aguardam até você entrar novamente.

## Atualizações

update-checking = Verificando…
update-none = O iDance Capture está atualizado.
update-notes = Novidades: { $notes }
update-available = O iDance Capture { $version } está disponível e sendo baixado.
update-downloading = O iDance Capture { $version } está sendo baixado.
update-downloading-percent = O iDance Capture { $version } está sendo baixado ({ $percent }).
update-waiting = O iDance Capture { $version } foi baixado e verificado. { $reason ->
        [recording] Ele será instalado quando a gravação terminar.
       *[uploading] Ele será instalado quando os envios em andamento terminarem.
    }
update-not_installable = O iDance Capture { $version } foi baixado e verificado, mas esta cópia não consegue se atualizar sozinha: instale a nova versão pelo site do iDance.
update-installed = O iDance Capture { $version } está instalado: ele será executado na próxima vez que o app for aberto.
update-failed-signature = A atualização { $version } foi recusada: a assinatura dela não corresponde à chave do iDance, então ela pode ter sido adulterada. Nada foi instalado.
update-failed-download = Não foi possível baixar a atualização { $version } ({ $detail }); uma nova tentativa será feita mais tarde.
update-failed-install = Não foi possível instalar a atualização { $version } ({ $detail }); esta versão continua em uso.
update-check-failed = Não foi possível procurar atualizações ({ $detail }). Verifique sua conexão; o app vai procurar de novo sozinho.

## Erros que o app envia por tipo ($detail: as palavras do próprio app, para o que só ele sabe)

error-recording_running = Já há uma gravação em andamento.
error-recording_saving = A última gravação ainda está sendo salva; comece de novo em instantes.
error-not_recording = Nenhuma gravação em andamento.
error-unreachable = Não foi possível acessar o servidor. Verifique o endereço dele e sua conexão e tente novamente.
error-no_library = Este servidor não mantém uma biblioteca.
error-wrong_password = E-mail ou senha incorretos.
error-account_disabled = Esta conta está desativada. Fale com quem administra seu servidor iDance.
error-no_accounts = Este servidor não permite entrar com e-mail e senha: cole um token de acesso abaixo.
error-not_video = não é um vídeo legível ({ $detail })
error-unreadable = não é possível lê-lo ({ $detail })
error-probe_timeout = a leitura demorou demais; tente de novo
error-no_ffmpeg = o ffmpeg não foi encontrado: reinstale o iDance Capture
error-file_gone = este arquivo não está mais disponível: solte-o de novo

## A janela do player

player-video =
    .aria-label = Vídeo da sessão
player-error = Não foi possível reproduzir o vídeo: verifique a conexão e abra-o de novo.
