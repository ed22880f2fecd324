; Inno Setup recipe for FlowFi Desktop on Windows (built on a hosted Windows runner by
; .github/workflows/release.yml; not testable on our Linux machines).
; Input: the PyInstaller app folder dist\flowfi-desktop (packaging/build-app.sh's Windows twin).
; Per-user install by default; uninstall removes the program files only: settings, keystore and
; the index in %LOCALAPPDATA%\flowfi-desktop are the user's and stay.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif

[Setup]
AppId={{6C1F4E0B-6F5B-4C55-9E8A-F10F1DE5C0DE}
AppName=FlowFi Desktop
AppVersion={#AppVersion}
AppPublisher=FlowFi Desktop developers
DefaultDirName={autopf}\FlowFi Desktop
DefaultGroupName=FlowFi Desktop
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=flowfi-desktop-{#AppVersion}-windows-x64-setup
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
UninstallDisplayIcon={app}\flowfi-desktop.exe

[Files]
Source: "..\..\dist\flowfi-desktop\*"; DestDir: "{app}"; Flags: recursesubdirs ignoreversion

[Icons]
Name: "{group}\FlowFi Desktop"; Filename: "{app}\flowfi-desktop.exe"; Parameters: "gui"
Name: "{autodesktop}\FlowFi Desktop"; Filename: "{app}\flowfi-desktop.exe"; Parameters: "gui"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "Create a desktop shortcut"; Flags: unchecked

[Run]
Filename: "{app}\flowfi-desktop.exe"; Parameters: "gui"; Description: "Start FlowFi Desktop"; Flags: nowait postinstall skipifsilent
