// Package unifiedpush is the push channel for devices that receive pushes through a UnifiedPush
// distributor (ntfy, NextPush, a self-hosted server...): each device registers an endpoint URL, and a push
// is a plain HTTP POST of a small JSON document to it (UnifiedPush server spec SERV_1.2.0). The endpoint is
// a URL a user chose, so every send goes through package endpoint's guard, checked again at send time and
// at connect time, and no redirect is followed.
package unifiedpush
